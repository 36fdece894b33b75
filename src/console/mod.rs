//! The admin pages (`/admin`): server-rendered like the sign-in pages, under the same
//! CSP, CSRF and session rules, each behind the `gate`. Every change an administrator
//! makes here is a security event `admin.<action>` naming them.

mod action;
mod audit;
mod client_form;
mod clients;
mod credits;
mod gate;
mod home;
mod keys;
mod organizations;
mod paging;
mod system;
mod upstream_form;
mod upstreams;
mod users;

use axum::{
    Router,
    routing::{get, post},
};

use crate::{admin::clients::AdminError, i18n::Lang, state::AppState, web::page::PageError};

/// What a page says of a refused change: the catalogue's words under `key`, then the
/// reason; a store failure is the page's error.
fn refusal(t: &Lang, key: &str, err: AdminError) -> Result<String, PageError> {
    match err {
        AdminError::Invalid(reason) => Ok(t.arg(key, "reason", reason)),
        AdminError::Store(err) => Err(err.into()),
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(home::show))
        .route("/admin/clients", get(clients::list).post(clients::create))
        .route("/admin/clients/new", get(clients::new))
        .route("/admin/clients/{id}", get(clients::show).post(clients::update))
        .route("/admin/clients/{id}/secret", post(clients::rotate_secret))
        .route("/admin/clients/{id}/disable", post(clients::disable))
        .route("/admin/clients/{id}/enable", post(clients::enable))
        .route("/admin/clients/{id}/delete", post(clients::delete))
        .route("/admin/audit", get(audit::show))
        .route("/admin/credits", get(credits::show).post(credits::grant))
        .route("/admin/keys", get(keys::show))
        .route("/admin/keys/rotate", post(keys::rotate))
        .route("/admin/keys/emergency", post(keys::emergency))
        .route("/admin/organizations", get(organizations::list))
        .route("/admin/organizations/{id}", get(organizations::show))
        .route("/admin/system", get(system::show))
        .route("/admin/upstreams", get(upstreams::list).post(upstreams::create))
        .route("/admin/upstreams/new", get(upstreams::new))
        .route("/admin/upstreams/{id}", get(upstreams::show).post(upstreams::update))
        .route("/admin/upstreams/{id}/delete", post(upstreams::delete))
        .route("/admin/system/backup", post(system::backup))
        .route("/admin/users", get(users::list))
        .route("/admin/users/{id}", get(users::show))
        .route("/admin/users/{id}/sessions/end", post(users::end_sessions))
        .route("/admin/users/{id}/disable", post(users::disable))
        .route("/admin/users/{id}/enable", post(users::enable))
        .route("/admin/users/{id}/admin/grant", post(users::grant_admin))
        .route("/admin/users/{id}/admin/revoke", post(users::revoke_admin))
        .route("/admin/users/{id}/mfa/reset", post(users::reset_mfa))
        .route("/admin/users/{id}/password/reset", post(users::send_reset))
        .route("/admin/users/{id}/delete", post(users::delete))
}
