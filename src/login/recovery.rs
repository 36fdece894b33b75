//! Pages of the mailed links: asking for a password reset, choosing the new password,
//! and confirming an email address.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use crate::{
    i18n::Lang,
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
    t: &'a Lang,
    csrf: &'a str,
}

#[derive(Template)]
#[template(path = "reset.html")]
struct ResetPage<'a> {
    t: &'a Lang,
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

pub async fn forgot(t: Lang, csrf: Csrf) -> Result<Response, PageError> {
    Ok(render(StatusCode::OK, &ForgotPage { t: &t, csrf: csrf.token() }))
}

/// The same page for every address: whether a mail goes out is decided afterwards.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forgot_submit(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<ForgotForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    recovery::request_reset(&state.security, form.email.trim(), &client).await?;
    Ok(notice(&t, "inbox-title", &t.get("forgot-sent"), "/login", "forgot-back"))
}

pub async fn reset(t: Lang, csrf: Csrf, PageParams(query): PageParams<TokenQuery>) -> Result<Response, PageError> {
    Ok(render(StatusCode::OK, &ResetPage { t: &t, csrf: csrf.token(), token: &query.token, error: "" }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_submit(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<ResetForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    match recovery::reset_password(&state.security, &form.token, form.password, &client).await {
        Ok(()) => {
            browser.clear().await?;
            Ok(notice(&t, "reset-done-title", &t.get("reset-done"), "/login", "reset-sign-in"))
        }
        Err(RecoveryError::WeakPassword(rule)) => {
            let page = ResetPage { t: &t, csrf: csrf.token(), token: &form.token, error: &t.get(rule.key) };
            Ok(render(StatusCode::BAD_REQUEST, &page))
        }
        Err(err) => Err(err.into()),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn verify_email(
    State(state): State<AppState>,
    t: Lang,
    client: ClientInfo,
    PageParams(query): PageParams<TokenQuery>,
) -> Result<Response, PageError> {
    recovery::verify_email(&state.security, &query.token, &client).await?;
    Ok(notice(&t, "email-confirmed-title", &t.get("email-confirmed"), "/", "continue"))
}

impl From<RecoveryError> for PageError {
    fn from(err: RecoveryError) -> Self {
        match err {
            RecoveryError::InvalidToken => PageError::BadRequest("link-invalid"),
            RecoveryError::WeakPassword(rule) => PageError::BadRequest(rule.key),
            RecoveryError::Throttled(throttled) => throttled.into(),
            RecoveryError::Store(err) => err.into(),
            RecoveryError::Password(err) => err.into(),
        }
    }
}
