//! Signing in with another identity provider: `/login/upstream/{id}` sends the browser
//! there, `/login/upstream/{id}/callback` takes its answer. The answer counts only in
//! the browser that started the sign-in, once, at the callback of the upstream it was
//! started at, with the `iss` that upstream sends (RFC 9207), and redeemed with that
//! sign-in's PKCE verifier and nonce.

mod accounts;
mod failure;

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use entity::upstream_logins;
use serde::Deserialize;
use serde_json::json;
use subtle::ConstantTimeEq;

use self::{accounts::Outcome, failure::Back};
use super::{
    complete::complete_sign_in,
    signin::{Shown, code_page, sign_in_page},
};
use crate::{
    i18n::Lang,
    oidc::authorize::pending,
    security::{
        amr::{self, FirstFactor},
        audit::{Event, Kind},
        signin::{completed, second_step_owed},
    },
    state::AppState,
    store::{
        auth_sessions::Lifetime,
        upstream_logins::{self as logins, NewLogin},
    },
    upstream::{Identity, Upstream, UpstreamError, links, tokens::Tokens},
    web::{browser::BrowserSession, client_info::ClientInfo, csrf::Csrf, page::PageError, page_input::PageParams},
};

/// How long a person has to sign in at the upstream.
const LOGIN_TTL_SECS: i64 = 600;

#[derive(Deserialize)]
pub struct StartQuery {
    /// The authorization request to continue afterwards.
    #[serde(default)]
    req: String,
}

/// The upstream `id` names, or 404.
pub async fn known(state: &AppState, id: &str) -> Result<Arc<Upstream>, PageError> {
    state.upstreams.get(&state.db, id).await?.ok_or(PageError::NoSuchPage(StatusCode::NOT_FOUND, "upstream-unknown"))
}

#[tracing::instrument(level = "debug", skip_all, fields(upstream = %id))]
pub async fn start(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    client: ClientInfo,
    Path(id): Path<String>,
    PageParams(query): PageParams<StartQuery>,
) -> Result<Response, PageError> {
    let upstream = known(&state, &id).await?;
    state.limiter.check_address("upstream", &client, state.config.security.rate_limit.signin_per_ip).await?;
    if !query.req.is_empty() && pending(&state, &query.req).is_none() {
        return Err(PageError::BadRequest("authorize-request-expired"));
    }
    redirect_to(&state, &t, &browser, &upstream, None, &query.req).await
}

/// Sends the browser to `upstream` to sign in, or, for the signed-in `user_id`, to
/// link the identity there.
pub async fn redirect_to(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    upstream: &Upstream,
    user_id: Option<&str>,
    req: &str,
) -> Result<Response, PageError> {
    let back = Back::of(user_id.is_some(), req);
    let begun = match upstream.begin(&upstream.redirect_uri(state.config.issuer_base())).await {
        Ok(begun) => begun,
        Err(err) => return Ok(failure::refused(t, upstream, &err, &back)),
    };
    let login = NewLogin {
        state: &begun.state,
        upstream_id: upstream.id(),
        user_id,
        nonce: &begun.nonce,
        code_verifier: &begun.verifier,
        request_id: req,
        ttl_secs: LOGIN_TTL_SECS,
    };
    logins::begin(&state.db, login).await?;
    browser.start_upstream(&begun.state).await?;
    Ok(Redirect::to(&begun.url).into_response())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    /// The upstream that answers (RFC 9207).
    iss: Option<String>,
    error: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all, fields(upstream = %id))]
pub async fn callback(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    Path(id): Path<String>,
    PageParams(query): PageParams<CallbackQuery>,
) -> Result<Response, PageError> {
    let upstream = known(&state, &id).await?;
    // Each refused answer is recorded: bounded like the sign-ins it stands for.
    state.limiter.check_address("upstream", &client, state.config.security.rate_limit.signin_per_ip).await?;
    let Some(login) = taken_login(&state, &browser, &query).await? else {
        refused_event(&state, &upstream, "state", &client).await;
        return Ok(failure::expired(&t, &upstream));
    };
    let back = Back::of(login.user_id.is_some(), &login.request_id);
    let (identity, tokens) = match answer(&state, &upstream, &login, &query).await {
        Ok(answered) => answered,
        Err(err) => {
            if let UpstreamError::Invalid(reason) = &err {
                refused_event(&state, &upstream, reason, &client).await;
            }
            tracing::info!(error = %err, "sign-in at an upstream refused");
            return Ok(failure::refused(&t, &upstream, &err, &back));
        }
    };
    let reply = Reply { state: &state, t: &t, browser: &browser, csrf: &csrf };
    let kept_tokens = upstream.kept(&tokens, &identity);
    match &login.user_id {
        Some(user_id) => link(&reply, &upstream, (identity, kept_tokens), user_id, &client).await,
        None => sign_in(&reply, &upstream, (identity, kept_tokens), &login.request_id, client).await,
    }
}

/// What the callback answers with.
#[derive(Clone, Copy)]
struct Reply<'a> {
    state: &'a AppState,
    t: &'a Lang,
    browser: &'a BrowserSession,
    csrf: &'a Csrf,
}

/// The sign-in this browser started whose `state` came back, taken once.
async fn taken_login(
    state: &AppState,
    browser: &BrowserSession,
    query: &CallbackQuery,
) -> Result<Option<upstream_logins::Model>, PageError> {
    let started = browser.take_upstream_state().await?;
    let (Some(started), Some(sent)) = (started, query.state.as_deref()) else { return Ok(None) };
    if !bool::from(started.as_bytes().ct_eq(sent.as_bytes())) {
        return Ok(None);
    }
    Ok(logins::finish(&state.db, sent).await?)
}

/// Who the upstream says signed in, once its answer is checked and its code redeemed,
/// with its tokens.
async fn answer(
    state: &AppState,
    upstream: &Upstream,
    login: &upstream_logins::Model,
    query: &CallbackQuery,
) -> Result<(Identity, Tokens), UpstreamError> {
    // A sign-in started at one upstream and answered at another's callback: a mix-up.
    if login.upstream_id != upstream.id() {
        return Err(UpstreamError::Invalid("the sign-in was started at another provider".into()));
    }
    upstream.check_response_issuer(query.iss.as_deref()).await?;
    if let Some(error) = &query.error {
        return Err(UpstreamError::Refused(error.clone()));
    }
    let code = query.code.as_deref().ok_or_else(|| UpstreamError::Invalid("the answer has no code".into()))?;
    let redirect_uri = upstream.redirect_uri(state.config.issuer_base());
    upstream.finish(&redirect_uri, code, &login.code_verifier, &login.nonce).await
}

/// Records an answer that was refused as not holding up.
async fn refused_event(state: &AppState, upstream: &Upstream, reason: &str, client: &ClientInfo) {
    let failed = Event::new(Kind::UpstreamFailed).from(client);
    failed.details(json!({ "upstream": upstream.id(), "reason": reason })).record(&state.db).await;
}

/// The sign-in of the account the identity leads to, with our second step where it is
/// owed and the upstream is not trusted for one. The tokens (as kept, or none) are kept
/// once the identity is linked.
async fn sign_in(
    reply: &Reply<'_>,
    upstream: &Upstream,
    (identity, kept_tokens): (Identity, Option<Vec<u8>>),
    req: &str,
    client: ClientInfo,
) -> Result<Response, PageError> {
    let Reply { state, t, browser, csrf } = *reply;
    let user = match accounts::account_for(state, upstream, &identity, t.tag(), &client).await? {
        Outcome::Account(user) => user,
        Outcome::SignInToLink(email) => {
            browser.hold_link(upstream.id(), identity).await?;
            let prompt = t.arg("upstream-sign-in-to-link", "name", upstream.name());
            return sign_in_page(state, t, csrf, req, Shown { status: StatusCode::OK, email: &email, error: &prompt })
                .await;
        }
        Outcome::Refused(key) => return Ok(failure::no_account(t, upstream, key, &Back::of(false, req))),
    };
    let trusted_mfa = upstream.config.trust_mfa && identity.mfa;
    let recorded = links::SignIn {
        user_id: &user.id,
        upstream_id: upstream.id(),
        identity: &identity,
        mfa: trusted_mfa,
        kept_tokens,
    };
    links::signed_in(&state.db, recorded, &client).await?;
    let mfa_asked = pending(state, req).is_some_and(|p| p.wants_mfa) || browser.returns_after_sign_in().await?;
    if !trusted_mfa && second_step_owed(&state.security, &user.id, mfa_asked).await? {
        browser.start_second_step(&user.id, req, FirstFactor::Federated).await?;
        return code_page(state, t, csrf, StatusCode::OK, "", &user.id, req).await;
    }
    completed(&state.security, "upstream", &user, &client).await;
    let amr = if trusted_mfa { amr::FEDERATED_MFA } else { amr::FEDERATED };
    let request_id = Some(req).filter(|r| !r.is_empty());
    complete_sign_in(state, t, browser, &user.id, request_id, client, amr).await
}

/// Links the identity to the account that asked, while this browser is still signed in to it.
async fn link(
    reply: &Reply<'_>,
    upstream: &Upstream,
    (identity, kept_tokens): (Identity, Option<Vec<u8>>),
    user_id: &str,
    client: &ClientInfo,
) -> Result<Response, PageError> {
    let Reply { state, t, browser, .. } = *reply;
    let session = browser.signed_in(&state.db, Lifetime::of(&state.config.sessions)).await?;
    if session.is_none_or(|s| s.user_id != user_id) {
        return Ok(failure::expired(t, upstream));
    }
    match links::link(&state.db, user_id, upstream.id(), &identity, links::How::AccountPage, client).await {
        Ok(()) => {
            links::keep_tokens(&state.db, &identity, kept_tokens).await?;
            Ok(Redirect::to("/account/upstreams").into_response())
        }
        Err(links::LinkError::Store(err)) => Err(err.into()),
        Err(err) => Ok(failure::not_linked(t, upstream, &err)),
    }
}
