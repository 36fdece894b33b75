//! The OpenID Connect provider: discovery, keys, authorization, tokens, userinfo,
//! revocation, introspection and logout.

pub mod authorize;
pub mod backchannel;
pub mod client_metadata;
pub mod device;
pub mod discovery;
pub mod error;
pub mod grant;
pub mod introspect;
pub mod jwks;
pub mod logout;
pub mod par;
pub mod pending;
pub mod registration;
pub mod resource;
pub mod revoke;
pub mod token;
pub mod userinfo;

use axum::{
    Router,
    routing::{get, post},
};

use crate::state::AppState;

/// The machine endpoints: no browser session is read or written on them.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/openid-configuration", get(discovery::openid_configuration))
        .route("/.well-known/jwks.json", get(jwks::jwks))
        .route("/token", post(token::token))
        .route("/par", post(par::push))
        .route("/device_authorization", post(device::authorize_device))
        .route("/register", post(registration::register))
        .route("/register/{client_id}", get(registration::read).put(registration::replace).delete(registration::delete))
        .route("/userinfo", get(userinfo::userinfo).post(userinfo::userinfo))
        .route("/revoke", post(revoke::revoke))
        .route("/introspect", post(introspect::introspect))
}

/// The endpoints a browser visits, which live in the browser session.
pub fn browser_router() -> Router<AppState> {
    Router::new()
        .route("/authorize", get(authorize::authorize).post(authorize::authorize_post))
        .route("/authorize/resume", get(authorize::resume_pending))
        .route("/logout", get(logout::logout_get).post(logout::logout_post))
        .route("/logout/confirm", post(logout::logout_confirm))
        .route("/logout/done", get(logout::logged_out))
}
