//! `/.well-known/jwks.json`: the published key set (RFC 7517), from memory.

use std::sync::Arc;

use axum::{extract::State, http::HeaderMap, response::Response};

use crate::keyring::KeyRing;

/// Short enough that a key published ahead of a rotation is fetched well before it signs.
pub const JWKS_MAX_AGE_SECS: u32 = 300;

pub async fn jwks(State(keys): State<Arc<KeyRing>>, headers: HeaderMap) -> Response {
    keys.published().respond(&headers, JWKS_MAX_AGE_SECS)
}
