//! The native `/api/v1` auth API of Mana Core Auth: camelCase JSON, errors as
//! `{"error", "message"}`, the same RFC 9068 access tokens as the OIDC token endpoint.

mod account;
mod auth;
pub mod dto;
mod mfa;
mod openapi;
mod organizations;
mod passkeys;
mod recovery;
mod upstreams;

use std::{sync::Arc, time::Duration};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{HeaderValue, Method, header},
    routing::{MethodRouter, delete, get, patch, post},
};
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::dpop::DPOP;
use utoipa::OpenApi;

use crate::{
    config::Config,
    state::AppState,
    store::clients::Client,
    web::{
        cached::{CachedJson, IfNoneMatch},
        no_route,
    },
};

/// Request bodies of the API are small; anything larger is refused with 413.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Every route of `/api/v1` but the document itself, each with its path: the router is
/// built from this list, and the OpenAPI document is held to it by a test.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    let mut routes = vec![
        ("/api/v1/auth/register", post(auth::register)),
        ("/api/v1/auth/register/b2b", post(organizations::register_b2b)),
        ("/api/v1/auth/register/passkey/options", post(passkeys::sign_up_options)),
        ("/api/v1/auth/register/passkey", post(passkeys::sign_up)),
        ("/api/v1/auth/login", post(auth::login)),
        ("/api/v1/auth/mfa/verify", post(mfa::verify)),
        ("/api/v1/auth/mfa/passkey/options", post(mfa::passkey_options)),
        ("/api/v1/auth/mfa/passkey", post(mfa::passkey)),
        ("/api/v1/auth/refresh", post(auth::refresh)),
        ("/api/v1/auth/logout", post(auth::logout)),
        ("/api/v1/auth/validate", post(auth::validate)),
        ("/api/v1/auth/jwks", get(auth::jwks)),
        ("/api/v1/auth/me", get(account::me).patch(account::update_me).delete(account::delete_me)),
        ("/api/v1/auth/password", post(account::change_password)),
        ("/api/v1/auth/sessions", get(account::sessions)),
        ("/api/v1/auth/sessions/{id}", delete(account::end_session)),
        ("/api/v1/auth/security-events", get(account::security_events)),
        ("/api/v1/auth/password/forgot", post(recovery::forgot_password)),
        ("/api/v1/auth/password/reset", post(recovery::reset_password)),
        ("/api/v1/auth/email/verify", post(recovery::verify_email)),
        ("/api/v1/auth/email/resend", post(recovery::resend_verification)),
        ("/api/v1/auth/passkeys", get(passkeys::list)),
        ("/api/v1/auth/passkeys/{id}", patch(passkeys::rename).delete(passkeys::remove)),
        ("/api/v1/auth/passkeys/registration/options", post(passkeys::registration_options)),
        ("/api/v1/auth/passkeys/registration", post(passkeys::register)),
        ("/api/v1/auth/passkeys/login/options", post(passkeys::login_options)),
        ("/api/v1/auth/passkeys/login", post(passkeys::login)),
        ("/api/v1/auth/upstreams/{id}/token", get(upstreams::token)),
        ("/api/v1/auth/organizations", get(organizations::mine)),
        ("/api/v1/organizations/{id}/members", get(organizations::members).post(organizations::add_member)),
        ("/api/v1/organizations/{id}/members/{user_id}", delete(organizations::remove_member)),
    ];
    routes.extend(crate::credits::routes());
    routes
}

/// The whole `/api/v1` tree, the credits routes included, under one CORS policy.
pub fn router(config: &Config) -> Router<AppState> {
    let document = Arc::new(CachedJson::new(&serde_json::json!(openapi::ApiDoc::openapi()), 3600));
    let router = routes()
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route))
        .route(OPENAPI_PATH, get(move |if_none_match: IfNoneMatch| async move { document.respond(if_none_match) }))
        // Before the layers, so that CORS answers preflights for every route.
        .method_not_allowed_fallback(no_route::method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    match cors(&config.api.cors_origins) {
        Some(cors) => router.layer(cors),
        None => router,
    }
}

/// Where the OpenAPI document of every other route is served.
pub const OPENAPI_PATH: &str = "/api/v1/openapi.json";

/// CORS for the allow-listed origins: bearer or DPoP tokens, no cookies, so no
/// credentials; the challenge of a refused token is readable by the page.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    (!origins.is_empty()).then(|| {
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PATCH, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, DPOP])
            .expose_headers([header::WWW_AUTHENTICATE])
            .max_age(Duration::from_secs(3600))
    })
}

/// The client the native API issues its tokens for: no secret, refresh only.
fn api_client(config: &Config) -> Client {
    Client {
        id: config.api.client_id.clone(),
        secret_hash: None,
        name: "Mana API".into(),
        redirect_uris: Vec::new(),
        post_logout_redirect_uris: Vec::new(),
        grant_types: vec!["refresh_token".into()],
        skip_consent: true,
        backchannel_logout_uri: None,
        id_token_signed_response_alg: None,
        introspection: false,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        resources: None,
        registration_token_hash: None,
        source: "api".into(),
        disabled: false,
    }
}
