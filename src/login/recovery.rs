//! Pages of the mailed links: asking for a password reset, choosing the new password,
//! and confirming an email address.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use crate::{
    security::recovery::{self, RecoveryError},
    state::AppState,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, notice, render},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage<'a> {
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    csrf: &'a str,
    token: &'a str,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
    csrf: String,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct ResetForm {
    token: String,
    password: String,
    csrf: String,
}

pub async fn forgot(csrf: Csrf) -> Result<Response, PageError> {
    Ok(render(StatusCode::OK, &ForgotPage { csrf: csrf.token() }))
}

/// The same page for every address: whether a mail goes out is decided afterwards.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forgot_submit(
    State(state): State<AppState>,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<ForgotForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    recovery::request_reset(&state.security, form.email.trim(), &client).await?;
    let message = "If an account uses this address, we mailed it a link to choose a new password.";
    Ok(notice("Check your inbox", message, "/login", "Back to sign in"))
}

pub async fn reset(csrf: Csrf, PageParams(query): PageParams<TokenQuery>) -> Result<Response, PageError> {
    Ok(render(StatusCode::OK, &ResetPage { csrf: csrf.token(), token: &query.token, error: "" }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_submit(
    State(state): State<AppState>,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<ResetForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    match recovery::reset_password(&state.security, &form.token, form.password, &client).await {
        Ok(()) => {
            browser.clear().await?;
            let message = "Your password is changed and you are signed out everywhere. Sign in with the new one.";
            Ok(notice("Password changed", message, "/login", "Sign in"))
        }
        Err(RecoveryError::WeakPassword(rule)) => {
            Ok(render(StatusCode::BAD_REQUEST, &ResetPage { csrf: csrf.token(), token: &form.token, error: rule }))
        }
        Err(err) => Err(err.into()),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn verify_email(
    State(state): State<AppState>,
    client: ClientInfo,
    PageParams(query): PageParams<TokenQuery>,
) -> Result<Response, PageError> {
    recovery::verify_email(&state.security, &query.token, &client).await?;
    Ok(notice("Email confirmed", "Thank you: your address is confirmed.", "/", "Continue"))
}

impl From<RecoveryError> for PageError {
    fn from(err: RecoveryError) -> Self {
        match err {
            RecoveryError::InvalidToken => {
                PageError::BadRequest("This link is invalid, has expired or was already used.".into())
            }
            RecoveryError::WeakPassword(rule) => PageError::BadRequest(rule.into()),
            RecoveryError::Throttled(throttled) => throttled.into(),
            RecoveryError::Store(err) => err.into(),
            RecoveryError::Password(err) => err.into(),
        }
    }
}
