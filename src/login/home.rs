//! The home page (who is signed in) and the one stylesheet.

use askama::Template;
use axum::{
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};

use crate::{
    state::AppState,
    store::{auth_sessions, users},
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

pub async fn home(State(state): State<AppState>, browser: BrowserSession) -> Result<Response, PageError> {
    let session = match browser.sid().await? {
        Some(sid) => auth_sessions::find_active(&state.db, &sid).await?,
        None => None,
    };
    let email = match session {
        Some(session) => users::find(&state.db, &session.user_id).await?.map(|u| u.email),
        None => None,
    };
    Ok(render(StatusCode::OK, &HomePage { email }))
}

pub async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../../templates/style.css"),
    )
        .into_response()
}
