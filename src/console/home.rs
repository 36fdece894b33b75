//! `/admin`: what there is to administer.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};

use super::gate::Admin;
use crate::{
    i18n::Lang,
    state::AppState,
    store::user_directory,
    web::page::{PageError, render},
};

#[derive(Template)]
#[template(path = "admin_home.html")]
struct HomePage<'a> {
    t: &'a Lang,
    counts: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, _: Admin, t: Lang) -> Result<Response, PageError> {
    let (accounts, admins) = user_directory::counts(&state.db).await?;
    let counts = t.with("admin-counts", &[("accounts", accounts.into()), ("admins", admins.into())]);
    Ok(render(StatusCode::OK, &HomePage { t: &t, counts }))
}
