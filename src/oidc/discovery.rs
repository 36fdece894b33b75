//! Provider metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2,
//! serialised once at start and served from memory.

use std::sync::Arc;

use axum::{extract::State, response::Response};
use serde_json::json;

use super::device;
use crate::dpop;
use crate::tokens::mint::{ACR_MFA, ACR_PASSWORD};
use crate::{
    config::{Config, RegistrationMode},
    tokens::scope::SUPPORTED,
    web::cached::{CachedJson, IfNoneMatch},
};

pub fn metadata(config: &Config) -> serde_json::Value {
    let base = config.issuer_base();
    let url = |path: &str| format!("{base}{path}");
    let mut metadata = json!({
        "issuer": config.issuer,
        "authorization_endpoint": url("/authorize"),
        "token_endpoint": url("/token"),
        "userinfo_endpoint": url("/userinfo"),
        "jwks_uri": url("/.well-known/jwks.json"),
        "end_session_endpoint": url("/logout"),
        "revocation_endpoint": url("/revoke"),
        "introspection_endpoint": url("/introspect"),
        "pushed_authorization_request_endpoint": url("/par"),
        "device_authorization_endpoint": url("/device_authorization"),
        "require_pushed_authorization_requests": config.oauth.require_pushed_authorization_requests,
        "scopes_supported": SUPPORTED,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials", device::GRANT_TYPE],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA", "RS256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "dpop_signing_alg_values_supported": dpop::proof::ALGS,
        "claims_supported": [
            "iss", "sub", "aud", "exp", "iat", "auth_time", "amr", "acr", "nonce", "at_hash", "sid",
            "email", "email_verified", "name", "preferred_username"
        ],
        "claim_types_supported": ["normal"],
        "claims_parameter_supported": false,
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "require_request_uri_registration": false,
        "prompt_values_supported": ["none", "login", "consent"],
        "acr_values_supported": [ACR_PASSWORD, ACR_MFA],
        "authorization_response_iss_parameter_supported": true,
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
        "frontchannel_logout_supported": false,
    });
    if config.registration.client_id_metadata_documents {
        metadata["client_id_metadata_document_supported"] = json!(true);
    }
    if config.registration.mode != RegistrationMode::Off {
        metadata["registration_endpoint"] = json!(url("/register"));
    }
    metadata
}

pub struct Discovery(pub CachedJson);

#[tracing::instrument(level = "debug", skip_all)]
pub async fn openid_configuration(State(discovery): State<Arc<Discovery>>, if_none_match: IfNoneMatch) -> Response {
    discovery.0.respond(if_none_match)
}
