//! The signed-in user behind an account page, or the way to the sign-in page.

use axum::{
    extract::FromRequestParts,
    http::request::Parts,
    response::{IntoResponse, Redirect, Response},
};
use entity::users;

use crate::{
    state::AppState,
    store::{self, auth_sessions::Lifetime},
    web::browser::BrowserSession,
};

pub struct Member {
    pub user: users::Model,
    /// The sign-in session of this browser.
    pub sid: String,
}

impl FromRequestParts<AppState> for Member {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let browser = BrowserSession::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        let lifetime = Lifetime::of(&state.config.sessions);
        let session = browser.signed_in(&state.db, lifetime).await.map_err(IntoResponse::into_response)?;
        let Some(session) = session else { return Err(Redirect::to("/login").into_response()) };
        match store::users::find(&state.db, &session.user_id).await {
            Ok(Some(user)) => Ok(Member { user, sid: session.id }),
            Ok(None) => Err(Redirect::to("/login").into_response()),
            Err(err) => Err(crate::web::page::PageError::from(err).into_response()),
        }
    }
}
