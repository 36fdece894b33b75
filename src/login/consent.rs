//! The consent page: the user grants a client the scopes it asked for; the grant is
//! remembered per user, client and scopes. Denial returns `access_denied` to the client.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::signin::PageQuery;
use crate::oidc::client_metadata::find_client;
use crate::{
    i18n::Lang,
    oidc::{
        authorize::{continue_at, waiting},
        error::AuthorizeRedirectError,
        pending::PendingAuthorization,
    },
    state::AppState,
    store::{auth_sessions::Lifetime, consents},
    web::{
        browser::BrowserSession,
        csrf::Csrf,
        onward::fresh_navigation,
        page::{PageError, render_toward},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    req: &'a str,
    client_name: &'a str,
    scopes: Vec<String>,
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: String,
    req: String,
    decision: String,
}

/// What each scope lets the application see, as a catalogue key.
pub fn describe(scope: &str) -> Option<&'static str> {
    match scope {
        "openid" => Some("scope-openid"),
        "profile" => Some("scope-profile"),
        "email" => Some("scope-email"),
        "offline_access" => Some("scope-offline-access"),
        "account" => Some("scope-account"),
        "account:write" => Some("scope-account-write"),
        "organizations" => Some("scope-organizations"),
        "credits" => Some("scope-credits"),
        "upstream_tokens" => Some("scope-upstream-tokens"),
        _ => None,
    }
}

/// The waiting request and the signed-in session, or the way to the sign-in page.
async fn signed_in_pending(
    state: &AppState,
    browser: &BrowserSession,
    req: &str,
) -> Result<Result<(PendingAuthorization, entity::auth_sessions::Model), Response>, PageError> {
    let pending = waiting(state, req)?;
    let session = browser.signed_in(&state.db, Lifetime::of(&state.config.sessions)).await?;
    Ok(match session {
        Some(session) => Ok((pending, session)),
        None => Err(Redirect::to(&format!("/login?req={req}")).into_response()),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let (pending, _) = match signed_in_pending(&state, &browser, query.req()).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let client =
        find_client(&state, &pending.client_id).await?.ok_or(PageError::BadRequest("authorize-client-gone"))?;
    let scopes = pending.scope.split(' ').filter_map(describe).map(|key| t.get(key)).collect();
    let page = ConsentPage { t: &t, csrf: csrf.token(), req: query.req(), client_name: &client.name, scopes };
    Ok(render_toward(StatusCode::OK, &page, Some(pending.redirect_uri.as_str()).filter(|uri| !uri.is_empty())))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    PageForm(form): PageForm<ConsentForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let (mut pending, session) = match signed_in_pending(&state, &browser, &form.req).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if form.decision != "allow"
        && let Some(user_code) = &pending.device
    {
        return crate::oidc::device::decided(&state, &t, user_code, false, &session).await;
    }
    if form.decision != "allow" {
        let denied = AuthorizeRedirectError {
            redirect_uri: &pending.redirect_uri,
            state: pending.state.as_deref(),
            issuer: &state.config.issuer,
            code: "access_denied",
            description: "the user denied the request",
        };
        return Ok(fresh_navigation(&t, denied.into_response(), &pending.redirect_uri));
    }
    let scopes: Vec<&str> = pending.scope.split(' ').collect();
    consents::grant(&state.db, &session.user_id, &pending.client_id, &scopes).await?;
    pending.consented = Some(session.id);
    Ok(fresh_navigation(&t, continue_at(&state, "/authorize/resume", &pending)?, &pending.redirect_uri))
}
