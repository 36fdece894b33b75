//! The page where a signed-in user deletes their account, after confirming with the
//! password (and a code when two-step verification is on) and ticking a box.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::{
    home::{account_of_form, signed_in_user},
    mfa_setup::mfa_key,
};
use crate::{
    i18n::Lang,
    oidc::backchannel::notify_clients_of,
    security::{
        erasure::{self, By, ErasureError},
        mfa::MfaError,
    },
    state::AppState,
    store,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, notice, render},
        page_input::PageForm,
    },
};

#[derive(Template)]
#[template(path = "account_delete.html")]
struct DeletePage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    email: &'a str,
    mfa: bool,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct DeleteForm {
    password: String,
    code: Option<String>,
    /// The ticked box; browsers leave an unticked one out.
    confirm: Option<String>,
    csrf: String,
}

async fn delete_page(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    csrf: &Csrf,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    let Some(user) = signed_in_user(state, browser).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let mfa = store::mfa::enabled(&state.db, &user.id).await?;
    Ok(render(status, &DeletePage { t, csrf: csrf.token(), email: &user.email, mfa, error }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
) -> Result<Response, PageError> {
    delete_page(&state, &t, &browser, &csrf, StatusCode::OK, "").await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<DeleteForm>,
) -> Result<Response, PageError> {
    let user = match account_of_form(&state, &browser, &csrf, &form.csrf).await? {
        Ok(user) => user,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    if form.confirm.as_deref() != Some("yes") {
        return delete_page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &t.get("delete-tick")).await;
    }
    let confirmed = erasure::confirm_holder(&state.security, &user, form.password, form.code.as_deref(), &client);
    match confirmed.await {
        Ok(()) => {}
        Err(err @ (MfaError::WrongPassword | MfaError::WrongCode | MfaError::CodeRequired)) => {
            let message = t.arg("delete-not-deleted", "reason", t.get(mfa_key(&err)));
            return delete_page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &message).await;
        }
        Err(err) => return Err(err.into()),
    }
    let ended = match erasure::erase(&state.db, &user.id, By::User).await {
        Ok(ended) => ended,
        Err(ErasureError::SoleOwner(organization)) => {
            let reason = t.arg("delete-sole-owner", "organization", organization);
            let message = t.arg("delete-not-deleted", "reason", reason);
            return delete_page(&state, &t, &browser, &csrf, StatusCode::CONFLICT, &message).await;
        }
        Err(ErasureError::Store(err)) => return Err(err.into()),
        Err(ErasureError::Posting(err)) => return Err(PageError::Internal(err.to_string())),
    };
    notify_clients_of(&state, &ended, &user.id).await;
    browser.clear().await?;
    Ok(notice(&t, "delete-done-title", &t.get("delete-done"), "/", "home"))
}
