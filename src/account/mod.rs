//! The account pages of a signed-in user (`/account`): profile, password, sessions and
//! devices, the applications they let in, the other providers they sign in with, and
//! their data to download. Two-step
//! verification, passkeys and deletion have their pages in `login`.

mod apps;
mod email;
mod export;
mod member;
mod overview;
mod password;
mod sessions;
mod upstreams;

use axum::{
    Router,
    routing::{get, post},
};

use crate::{security::self_service::SelfServiceError, state::AppState, web::page::PageError};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(overview::show))
        .route("/account/profile", post(overview::save_profile))
        .route("/account/email", post(email::request))
        .route("/account/email/confirm", get(email::confirm))
        .route("/account/password", get(password::show).post(password::change))
        .route("/account/sessions", get(sessions::show))
        .route("/account/sessions/end", post(sessions::end_one))
        .route("/account/sessions/end-others", post(sessions::end_others))
        .route("/account/apps", get(apps::show))
        .route("/account/apps/revoke", post(apps::revoke))
        .route("/account/export", get(export::download))
        .route("/account/upstreams", get(upstreams::show))
        .route("/account/upstreams/{id}/link", get(upstreams::link))
        .route("/account/upstreams/{id}/unlink", post(upstreams::unlink))
}

impl From<SelfServiceError> for PageError {
    fn from(err: SelfServiceError) -> Self {
        match err {
            SelfServiceError::WrongPassword => PageError::BadRequest("account-wrong-password"),
            SelfServiceError::Invalid(rule) => PageError::BadRequest(rule.key),
            SelfServiceError::UsernameTaken => PageError::BadRequest("signup-username-taken"),
            SelfServiceError::Throttled(throttled) => throttled.into(),
            SelfServiceError::Password(err) => err.into(),
            SelfServiceError::Store(err) => err.into(),
        }
    }
}
