//! The home page (who is signed in), the one stylesheet and the one script.

use askama::Template;
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use entity::users;

use crate::{
    i18n::Lang,
    state::AppState,
    store::auth_sessions::Lifetime,
    web::{
        browser::BrowserSession,
        csrf::Csrf,
        page::{PageError, render},
    },
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    t: Lang,
    email: Option<String>,
    passkeys: bool,
    /// Whether to link the admin pages.
    admin: bool,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn home(State(state): State<AppState>, t: Lang, browser: BrowserSession) -> Result<Response, PageError> {
    let user = signed_in_user(&state, &browser).await?;
    let admin = user.as_ref().is_some_and(|u| u.role == crate::store::users::ADMIN_ROLE);
    let page = HomePage { t, email: user.map(|u| u.email), passkeys: state.security.passkeys.is_some(), admin };
    Ok(render(StatusCode::OK, &page))
}

/// The account this browser is signed in to, if its session is still active.
pub async fn signed_in_user(state: &AppState, browser: &BrowserSession) -> Result<Option<users::Model>, PageError> {
    let session = browser.signed_in(&state.db, Lifetime::of(&state.config.sessions)).await?;
    Ok(match session {
        Some(session) => crate::store::users::find(&state.db, &session.user_id).await?,
        None => None,
    })
}

/// The account behind a form posted on an account page: its CSRF field checked (403
/// when forged), else the way to the sign-in page when the browser is not signed in.
pub async fn account_of_form(
    state: &AppState,
    browser: &BrowserSession,
    csrf: &Csrf,
    field: &str,
) -> Result<Result<users::Model, Response>, PageError> {
    csrf.check(field)?;
    Ok(signed_in_user(state, browser).await?.ok_or_else(|| Redirect::to("/login").into_response()))
}

pub async fn stylesheet() -> Response {
    asset("text/css; charset=utf-8", include_str!("../../templates/style.css"))
}

/// The script of the passkey forms.
pub async fn script() -> Response {
    asset("text/javascript; charset=utf-8", include_str!("../../templates/passkeys.js"))
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "public, max-age=3600")], body).into_response()
}
