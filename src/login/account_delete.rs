//! The page where a signed-in user deletes their account, after confirming with the
//! password (and a code when two-step verification is on) and ticking a box. An
//! account without a password (made with a passkey) confirms with a sign-in at most
//! five minutes old instead.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use entity::users;

use super::mfa_setup::mfa_key;
use crate::{
    i18n::Lang,
    oidc::backchannel::notify_clients_of,
    security::{
        erasure::{self, By, ErasureError},
        mfa::MfaError,
        passwords::NO_PASSWORD,
    },
    state::AppState,
    store::{self, auth_sessions::Lifetime},
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
    has_password: bool,
    /// Without a password, whether the sign-in is recent enough to confirm with.
    recent: bool,
    error: &'a str,
}

/// How old a sign-in may be to confirm the deletion of an account without a password.
const RECENT_SECS: i64 = 5 * 60;

#[derive(Deserialize)]
pub struct DeleteForm {
    #[serde(default)]
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
    let Some((user, recent)) = holder(state, browser).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let mfa = store::mfa::enabled(&state.db, &user.id).await?;
    let has_password = user.password_hash != NO_PASSWORD;
    let page = DeletePage { t, csrf: csrf.token(), email: &user.email, mfa, has_password, recent, error };
    Ok(render(status, &page))
}

/// The signed-in account, and whether its sign-in is at most five minutes old.
async fn holder(state: &AppState, browser: &BrowserSession) -> Result<Option<(users::Model, bool)>, PageError> {
    let Some(session) = browser.signed_in(&state.db, Lifetime::of(&state.config.sessions)).await? else {
        return Ok(None);
    };
    let recent = store::now() - session.auth_time <= RECENT_SECS;
    Ok(store::users::find(&state.db, &session.user_id).await?.map(|user| (user, recent)))
}

/// An account without a password signs in again (with its passkey) and comes back here.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign_in_again(browser: BrowserSession) -> Result<Response, PageError> {
    browser.return_after_sign_in("/account/delete").await?;
    Ok(Redirect::to("/login?reauth=account").into_response())
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
    csrf.check(&form.csrf)?;
    let Some((user, recent)) = holder(&state, &browser).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if form.confirm.as_deref() != Some("yes") {
        return delete_page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &t.get("delete-tick")).await;
    }
    if user.password_hash == NO_PASSWORD {
        if !recent {
            let message = t.arg("delete-not-deleted", "reason", t.get("delete-sign-in-again"));
            return delete_page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &message).await;
        }
    } else {
        let confirmed = erasure::confirm_holder(&state.security, &user, form.password, form.code.as_deref(), &client);
        match confirmed.await {
            Ok(()) => {}
            Err(err @ (MfaError::WrongPassword | MfaError::WrongCode | MfaError::CodeRequired)) => {
                let message = t.arg("delete-not-deleted", "reason", t.get(mfa_key(&err)));
                return delete_page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &message).await;
            }
            Err(err) => return Err(err.into()),
        }
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
