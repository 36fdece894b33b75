//! Moving the account to another email address: the form on `/account` (the new
//! address and the password), then the link mailed to that address.

use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::{member::Member, overview};
use crate::{
    i18n::Lang,
    security::email_change::{self, EmailChangeError},
    state::AppState,
    web::{
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, notice},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Deserialize)]
pub struct EmailForm {
    new_email: String,
    password: String,
    csrf: String,
}

#[derive(Deserialize)]
pub struct ConfirmQuery {
    token: String,
}

impl From<EmailChangeError> for PageError {
    fn from(err: EmailChangeError) -> Self {
        match err {
            EmailChangeError::InvalidToken => PageError::BadRequest("link-invalid"),
            EmailChangeError::Taken => PageError::NoSuchPage(StatusCode::CONFLICT, "account-email-taken"),
            EmailChangeError::Invalid(rule) => PageError::BadRequest(rule.key),
            EmailChangeError::Same => PageError::BadRequest("account-email-same"),
            EmailChangeError::NoPassword => PageError::BadRequest("account-email-no-password"),
            EmailChangeError::WrongPassword => PageError::BadRequest("account-wrong-password"),
            EmailChangeError::Throttled(throttled) => throttled.into(),
            EmailChangeError::Password(err) => err.into(),
            EmailChangeError::Store(err) => err.into(),
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn request(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    member: Member,
    client: ClientInfo,
    PageForm(form): PageForm<EmailForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let asked = email_change::request(&state.security, &member.user, &form.new_email, form.password, &client).await;
    let key = match asked {
        Ok(new_email) => {
            let message = t.arg("account-email-sent", "email", new_email);
            return Ok(notice(&t, "account-email-title", &message, "/account", "account-back"));
        }
        // A refusal is said beside the form; anything else is an error page.
        Err(err) => match PageError::from(err) {
            PageError::BadRequest(key) => key,
            other => return Err(other),
        },
    };
    let error = t.get(key);
    let failed = overview::Failed { email: &form.new_email, email_error: &error, ..Default::default() };
    overview::account_page(&state, &t, &csrf, &member.user, failed, StatusCode::BAD_REQUEST).await
}

/// The link from the mail; it works without a sign-in, since it proves the address.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn confirm(
    State(state): State<AppState>,
    t: Lang,
    client: ClientInfo,
    PageParams(query): PageParams<ConfirmQuery>,
) -> Result<Response, PageError> {
    let user = email_change::confirm(&state.security, &query.token, &client).await?;
    let message = t.arg("account-email-changed", "email", user.email);
    Ok(notice(&t, "account-email-title", &message, "/account", "account-back"))
}
