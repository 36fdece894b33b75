//! Hosted pages: sign-in, sign-up, consent and the signed-in home page.

mod complete;
pub mod consent;
pub mod home;
pub mod signin;
pub mod signup;

use axum::{Router, routing::get};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/static/style.css", get(home::stylesheet))
        .route("/login", get(signin::show).post(signin::submit))
        .route("/signup", get(signup::show).post(signup::submit))
        .route("/consent", get(consent::show).post(consent::submit))
}
