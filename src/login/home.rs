//! The home page (who is signed in) and the one stylesheet.

use askama::Template;
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use entity::users;

use crate::{
    state::AppState,
    store::auth_sessions,
    web::{
        browser::BrowserSession,
        page::{PageError, render},
    },
};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    email: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn home(State(state): State<AppState>, browser: BrowserSession) -> Result<Response, PageError> {
    let email = signed_in_user(&state, &browser).await?.map(|u| u.email);
    Ok(render(StatusCode::OK, &HomePage { email }))
}

/// The account this browser is signed in to, if its session is still active.
pub async fn signed_in_user(state: &AppState, browser: &BrowserSession) -> Result<Option<users::Model>, PageError> {
    let session = match browser.sid().await? {
        Some(sid) => auth_sessions::find_active(&state.db, &sid).await?,
        None => None,
    };
    Ok(match session {
        Some(session) => crate::store::users::find(&state.db, &session.user_id).await?,
        None => None,
    })
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../templates/style.css"),
    )
        .into_response()
}
