//! Authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2): validates the request,
//! then signs the user in, asks consent, and redirects back with a code and `iss` (RFC 9207).
//! Until client and redirect URI are verified, errors show a page and never redirect.

use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::client_metadata::find_client;
use super::{
    device,
    error::{AuthorizeRedirectError, redirect_with},
    par,
    pending::PendingAuthorization,
    resource,
};
use crate::{
    config::Config,
    i18n::Lang,
    security::signin::SecondFactors,
    state::AppState,
    store::{self, clients::Client},
    store::{auth_sessions::Lifetime, codes, consents, now},
    tokens::mint::{ACR_MFA, acr},
    tokens::scope::Scope,
    web::{
        browser::BrowserSession,
        page::PageError,
        page_input::{PageForm, PageParams},
    },
};

/// Longest `state` and `nonce` taken: enough for any client's random value or
/// encoded context, and a bound on what one request can make the provider carry.
const MAX_STATE_LEN: usize = 512;
/// Longest `login_hint`: an email address is at most 254 characters (RFC 5321 §4.5.3.1).
const MAX_LOGIN_HINT_LEN: usize = 254;

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    response_type: Option<String>,
    pub(super) client_id: Option<String>,
    pub(super) redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    prompt: Option<String>,
    max_age: Option<String>,
    acr_values: Option<String>,
    response_mode: Option<String>,
    request: Option<String>,
    pub(super) request_uri: Option<String>,
    resource: Option<String>,
    /// The thumbprint of the DPoP key that must redeem the code (RFC 9449 §10).
    dpop_jkt: Option<String>,
    login_hint: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn authorize(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    PageParams(query): PageParams<AuthorizeQuery>,
) -> Result<Response, PageError> {
    match start(&state, &query).await? {
        Ok(pending) => resume(&state, &t, &browser, pending).await,
        Err(refused) => Ok(refused),
    }
}

/// The same request as a form (OIDC Core §3.1.2.1). A cross-site POST does not carry
/// the session cookie (SameSite=Lax), so the request goes on as a GET of its own.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn authorize_post(
    State(state): State<AppState>,
    PageForm(query): PageForm<AuthorizeQuery>,
) -> Result<Response, PageError> {
    match start(&state, &query).await? {
        Ok(pending) => continue_at(&state, "/authorize/resume", &pending),
        Err(refused) => Ok(refused),
    }
}

/// The request checked: the pending authorization, or the answer refusing it (an error
/// page until the client and redirect URI are known, then a redirect to the client).
async fn start(state: &AppState, query: &AuthorizeQuery) -> Result<Result<PendingAuthorization, Response>, PageError> {
    let client_id = query.client_id.as_deref().ok_or(PageError::BadRequest("authorize-client-missing"))?;
    let client = find_client(state, client_id).await?.ok_or(PageError::BadRequest("authorize-client-unknown"))?;
    if let Some(secret) = query.request_uri.as_deref().and_then(|uri| uri.strip_prefix(par::REQUEST_URI_PREFIX)) {
        return pushed(state, &client.id, secret).await.map(Ok);
    }
    let redirect_uri = query.redirect_uri.as_deref().unwrap_or_default();
    if !client.redirect_uris.iter().any(|r| r == redirect_uri) {
        return Err(PageError::BadRequest("authorize-redirect-unregistered"));
    }
    let fail = |code: &'static str, description: &str| {
        AuthorizeRedirectError {
            redirect_uri,
            state: query.state.as_deref(),
            issuer: &state.config.issuer,
            code,
            description,
        }
        .into_response()
    };
    if client.require_pushed_authorization_requests || state.config.oauth.require_pushed_authorization_requests {
        return Ok(Err(fail("invalid_request", "authorization requests must be pushed to the PAR endpoint first")));
    }
    Ok(validate(query, &client, &state.config).map_err(|(code, description)| fail(code, &description)))
}

/// The pushed request `secret` names, redeemed once by its own client. Other parameters
/// sent to `/authorize` beside it are ignored (RFC 9126 §4).
async fn pushed(state: &AppState, client_id: &str, secret: &str) -> Result<PendingAuthorization, PageError> {
    let gone = || PageError::BadRequest("authorize-request-used");
    let request = store::pushed_requests::redeem(&state.db, secret, client_id).await?.ok_or_else(gone)?;
    serde_json::from_str(&request).map_err(|e| PageError::Internal(format!("a pushed request does not parse: {e}")))
}

/// The error code and description refusing a request.
pub(super) type Refusal = (&'static str, String);

/// Checks everything after the redirect URI; errors go back to the client.
pub(super) fn validate(
    query: &AuthorizeQuery,
    client: &Client,
    config: &Config,
) -> Result<PendingAuthorization, Refusal> {
    if query.request.is_some() {
        return Err(("request_not_supported", "request objects are not supported".into()));
    }
    if query.request_uri.is_some() {
        return Err(("request_uri_not_supported", "request_uri is not supported".into()));
    }
    let too_long = |value: &Option<String>, max: usize| value.as_ref().is_some_and(|v| v.chars().count() > max);
    if too_long(&query.state, MAX_STATE_LEN) || too_long(&query.nonce, MAX_STATE_LEN) {
        return Err(("invalid_request", format!("state and nonce are limited to {MAX_STATE_LEN} characters")));
    }
    if too_long(&query.login_hint, MAX_LOGIN_HINT_LEN) {
        return Err(("invalid_request", format!("login_hint is limited to {MAX_LOGIN_HINT_LEN} characters")));
    }
    if query.response_type.as_deref() != Some("code") {
        return Err(("unsupported_response_type", "only response_type=code is supported".into()));
    }
    if !client.allows_grant("authorization_code") {
        return Err(("unauthorized_client", "this client may not use the authorization code flow".into()));
    }
    if query.response_mode.as_deref().is_some_and(|m| m != "query") {
        return Err(("invalid_request", "only response_mode=query is supported".into()));
    }
    let scope = Scope::parse(query.scope.as_deref().unwrap_or("")).map_err(|e| ("invalid_scope", e))?;
    if scope.is_empty() {
        return Err(("invalid_scope", "scope is missing".into()));
    }
    let code_challenge = pkce_challenge(query, client.is_public())?;
    resource::target(config, client, query.resource.as_deref()).map_err(|why| ("invalid_target", why))?;
    if query.dpop_jkt.as_deref().is_some_and(|jkt| !is_thumbprint(jkt)) {
        return Err(("invalid_request", "dpop_jkt must be a base64url SHA-256 JWK thumbprint".into()));
    }
    let prompt: Vec<String> =
        query.prompt.as_deref().unwrap_or("").split(' ').filter(|p| !p.is_empty()).map(str::to_owned).collect();
    if prompt.iter().any(|p| !matches!(p.as_str(), "none" | "login" | "consent" | "select_account")) {
        return Err(("invalid_request", "unsupported prompt value".into()));
    }
    if prompt.iter().any(|p| p == "none") && prompt.len() > 1 {
        return Err(("invalid_request", "prompt=none cannot be combined with other values".into()));
    }
    let max_age = match query.max_age.as_deref() {
        Some(raw) => Some(
            raw.parse::<i64>()
                .ok()
                .filter(|v| *v >= 0)
                .ok_or(("invalid_request", "max_age must be a non-negative integer".to_owned()))?,
        ),
        None => None,
    };
    Ok(PendingAuthorization {
        client_id: query.client_id.clone().unwrap_or_default(),
        redirect_uri: query.redirect_uri.clone().unwrap_or_default(),
        scope: scope.to_string(),
        state: query.state.clone(),
        nonce: query.nonce.clone(),
        code_challenge,
        max_age,
        prompt,
        wants_mfa: query.acr_values.as_deref().is_some_and(|v| v.split(' ').any(|acr| acr == ACR_MFA)),
        login_hint: query.login_hint.clone(),
        signed_in: None,
        consented: None,
        device: None,
        resource: query.resource.clone(),
        dpop_jkt: query.dpop_jkt.clone(),
    })
}

/// 43 base64url characters: a SHA-256 JWK thumbprint (RFC 7638).
fn is_thumbprint(value: &str) -> bool {
    value.len() == 43 && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// PKCE (RFC 7636): S256 only, `plain` refused; required for public clients.
fn pkce_challenge(query: &AuthorizeQuery, public: bool) -> Result<Option<String>, Refusal> {
    match (query.code_challenge.as_deref(), query.code_challenge_method.as_deref()) {
        (None, None) if public => {
            Err(("invalid_request", "PKCE (code_challenge, S256) is required for public clients".into()))
        }
        (None, None) => Ok(None),
        (None, Some(_)) => Err(("invalid_request", "code_challenge_method without code_challenge".into())),
        (Some(_), Some("S256")) => {
            let challenge = query.code_challenge.clone().unwrap_or_default();
            let well_formed =
                challenge.len() == 43 && challenge.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if well_formed {
                Ok(Some(challenge))
            } else {
                Err(("invalid_request", "code_challenge is malformed".into()))
            }
        }
        (Some(_), _) => Err(("invalid_request", "code_challenge_method must be S256; plain is not allowed".into())),
    }
}

/// Where an authorization request goes next: sign-in, consent, or back to the client with a code.
pub async fn resume(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    pending: PendingAuthorization,
) -> Result<Response, PageError> {
    let fail = |code: &'static str, description: &str| {
        AuthorizeRedirectError {
            redirect_uri: &pending.redirect_uri,
            state: pending.state.as_deref(),
            issuer: &state.config.issuer,
            code,
            description,
        }
        .into_response()
    };
    let prompt_none = pending.prompt.iter().any(|p| p == "none");
    let session = browser.signed_in(&state.db, Lifetime::of(&state.config.sessions)).await?;
    let fresh_login = session.as_ref().is_some_and(|s| pending.fresh_login_by(&s.id));
    // max_age=0 asks for a fresh sign-in every time, like prompt=login.
    let too_old = |auth_time: i64| pending.max_age.is_some_and(|max| max == 0 || now() - auth_time > max);
    // acr_values=mfa: a session without a second factor signs in again, when the user
    // has one (a code or a passkey).
    let weaker = match &session {
        Some(s) if pending.wants_mfa && acr(&s.amr) != ACR_MFA => {
            SecondFactors::of(&state.security, &s.user_id).await?.any()
        }
        _ => false,
    };
    let session = match session {
        Some(s) if fresh_login || !(pending.prompt.iter().any(|p| p == "login") || too_old(s.auth_time) || weaker) => s,
        _ if prompt_none => return Ok(fail("login_required", "the user is not signed in")),
        _ => return continue_at(state, "/login", &pending),
    };
    let client = find_client(state, &pending.client_id).await?.ok_or(PageError::BadRequest("authorize-client-gone"))?;
    let scopes: Vec<&str> = pending.scope.split(' ').collect();
    // A device's request is confirmed every time: its code may have come from someone
    // else (RFC 8628 §5.4).
    let consent_needed = !pending.consent_given_by(&session.id)
        && (pending.device.is_some()
            || (!client.skip_consent
                && (pending.prompt.iter().any(|p| p == "consent")
                    || !consents::covers(&state.db, &session.user_id, &client.id, &scopes).await?)));
    if consent_needed {
        if prompt_none {
            return Ok(fail("consent_required", "the user has not consented"));
        }
        return continue_at(state, "/consent", &pending);
    }
    if let Some(user_code) = &pending.device {
        return device::decided(state, t, user_code, true, &session).await;
    }
    let code = codes::create(
        &state.db,
        codes::NewCode {
            client_id: client.id.clone(),
            user_id: session.user_id.clone(),
            session_id: session.id.clone(),
            redirect_uri: pending.redirect_uri.clone(),
            scope: pending.scope.clone(),
            nonce: pending.nonce.clone(),
            code_challenge: pending.code_challenge.clone(),
            resource: pending.resource.clone(),
            dpop_jkt: pending.dpop_jkt.clone(),
            auth_time: session.auth_time,
            ttl_secs: state.config.tokens.authorization_code_ttl_secs,
        },
    )
    .await?;
    Ok(redirect_with(
        &pending.redirect_uri,
        &[("code", Some(&code)), ("state", pending.state.as_deref()), ("iss", Some(&state.config.issuer))],
    ))
}

#[derive(Deserialize)]
pub struct ResumeQuery {
    req: String,
}

/// Picks a waiting request up again after sign-in or consent.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn resume_pending(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    PageParams(query): PageParams<ResumeQuery>,
) -> Result<Response, PageError> {
    resume(&state, &t, &browser, waiting(&state, &query.req)?).await
}

/// The authorization request `req` carries, if this provider signed it and it is unexpired.
pub fn pending(state: &AppState, req: &str) -> Option<PendingAuthorization> {
    PendingAuthorization::open(&state.keys.current(), &state.config.issuer, req)
}

/// The authorization request a page continues, while it is valid.
pub fn waiting(state: &AppState, req: &str) -> Result<PendingAuthorization, PageError> {
    pending(state, req).ok_or(PageError::BadRequest("authorize-request-expired"))
}

/// The request's client's redirect URI, where a page's forms may lead on to; none for a
/// device's request.
pub fn destination(state: &AppState, req: &str) -> Option<String> {
    pending(state, req).map(|p| p.redirect_uri).filter(|uri| !uri.is_empty())
}

/// Sends the browser to `path` with the request `pending` in its `req`.
pub fn continue_at(state: &AppState, path: &str, pending: &PendingAuthorization) -> Result<Response, PageError> {
    let req = pending
        .seal(&state.keys.current(), &state.config.issuer)
        .map_err(|e| PageError::Internal(format!("sealing an authorization request: {e}")))?;
    Ok(Redirect::to(&format!("{path}?req={req}")).into_response())
}
