//! `/.well-known/jwks.json`: the published key set (RFC 7517), from memory.

use std::sync::Arc;

use axum::{extract::State, http::HeaderMap, response::Response};

use crate::web::cached::PublishedKeys;

pub async fn jwks(State(keys): State<Arc<PublishedKeys>>, headers: HeaderMap) -> Response {
    // Short enough that a rotated-in key is fetched well before it signs.
    keys.0.respond(&headers, 300)
}
