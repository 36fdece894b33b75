//! `/account/password`: a new password in exchange for the current one; every other
//! session of the account ends. An account without a password (made with a passkey)
//! is pointed to the reset mail, which sets one.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::member::Member;
use crate::{
    i18n::Lang,
    oidc::backchannel::notify_clients_of,
    security::{
        passwords::NO_PASSWORD,
        self_service::{self, SelfServiceError},
    },
    state::AppState,
    web::{
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, notice, render},
        page_input::PageForm,
    },
};

#[derive(Template)]
#[template(path = "account_password.html")]
struct PasswordPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    has_password: bool,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
    csrf: String,
}

fn password_page(t: &Lang, csrf: &Csrf, member: &Member, status: StatusCode, error: &str) -> Response {
    let has_password = member.user.password_hash != NO_PASSWORD;
    render(status, &PasswordPage { t, csrf: csrf.token(), has_password, error })
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(t: Lang, csrf: Csrf, member: Member) -> Response {
    password_page(&t, &csrf, &member, StatusCode::OK, "")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn change(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    member: Member,
    client: ClientInfo,
    PageForm(form): PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let (current, new) = (form.current_password, form.new_password);
    let changed =
        self_service::change_password(&state.security, &member.user, current, new, Some(&member.sid), &client).await;
    let error = match changed {
        Ok(ended) => {
            notify_clients_of(&state, &ended, &member.user.id).await;
            let message = t.arg("account-password-changed", "count", ended.len());
            return Ok(notice(&t, "account-password-title", &message, "/account", "account-back"));
        }
        Err(SelfServiceError::WrongPassword) => t.get("account-wrong-password"),
        Err(SelfServiceError::Invalid(rule)) => t.get(rule.key),
        Err(err) => return Err(err.into()),
    };
    Ok(password_page(&t, &csrf, &member, StatusCode::BAD_REQUEST, &error))
}
