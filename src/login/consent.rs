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
use crate::{
    oidc::error::AuthorizeRedirectError,
    state::AppState,
    store::{auth_sessions, consents},
    web::{
        browser::{BrowserSession, PendingAuthorization},
        page::{PageError, render_toward},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    csrf: &'a str,
    req: &'a str,
    client_name: &'a str,
    scopes: Vec<&'static str>,
}

#[derive(Deserialize)]
pub struct ConsentForm {
    csrf: String,
    req: String,
    decision: String,
}

/// What each scope lets the application see, in words.
fn describe(scope: &str) -> Option<&'static str> {
    match scope {
        "openid" => Some("Know who you are"),
        "profile" => Some("See your name and username"),
        "email" => Some("See your email address"),
        "offline_access" => Some("Stay signed in when you are away"),
        "credits" => Some("See and spend your credits"),
        _ => None,
    }
}

async fn signed_in_pending(
    state: &AppState,
    browser: &BrowserSession,
    req: &str,
) -> Result<Result<(PendingAuthorization, String), Response>, PageError> {
    let pending = browser.get_pending(req).await?.ok_or_else(|| {
        PageError::BadRequest("This sign-in request has expired. Start again from the application.".into())
    })?;
    let user_id = match browser.sid().await? {
        Some(sid) => auth_sessions::find_active(&state.db, &sid).await?.map(|s| s.user_id),
        None => None,
    };
    Ok(match user_id {
        Some(user_id) => Ok((pending, user_id)),
        None => Err(Redirect::to(&format!("/login?req={req}")).into_response()),
    })
}

pub async fn show(
    State(state): State<AppState>,
    browser: BrowserSession,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let (pending, _) = match signed_in_pending(&state, &browser, query.req()).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let client = state
        .clients
        .find(&state.db, &pending.client_id)
        .await?
        .ok_or_else(|| PageError::BadRequest("This application is no longer registered.".into()))?;
    let csrf = browser.csrf_token().await?;
    let scopes = pending.scope.split(' ').filter_map(describe).collect();
    let page = ConsentPage { csrf: &csrf, req: query.req(), client_name: &client.name, scopes };
    Ok(render_toward(StatusCode::OK, &page, Some(&pending.redirect_uri)))
}

pub async fn submit(
    State(state): State<AppState>,
    browser: BrowserSession,
    PageForm(form): PageForm<ConsentForm>,
) -> Result<Response, PageError> {
    browser.check_csrf(&form.csrf).await?;
    let (mut pending, user_id) = match signed_in_pending(&state, &browser, &form.req).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    if form.decision != "allow" {
        browser.take_pending(&pending.id).await?;
        let denied = AuthorizeRedirectError {
            redirect_uri: &pending.redirect_uri,
            state: pending.state.as_deref(),
            issuer: &state.config.issuer,
            code: "access_denied",
            description: "the user denied the request",
        };
        return Ok(denied.into_response());
    }
    let scopes: Vec<&str> = pending.scope.split(' ').collect();
    consents::grant(&state.db, &user_id, &pending.client_id, &scopes).await?;
    pending.consent_given = true;
    let id = browser.put_pending(pending).await?;
    Ok(Redirect::to(&format!("/authorize/resume?req={id}")).into_response())
}
