//! `/.well-known/jwks.json`: the published key set (RFC 7517), from memory.

use std::sync::Arc;

use axum::{extract::State, response::Response};

use crate::{keyring::KeyRing, web::cached::IfNoneMatch};

#[tracing::instrument(level = "debug", skip_all)]
pub async fn jwks(State(keys): State<Arc<KeyRing>>, if_none_match: IfNoneMatch) -> Response {
    keys.published().respond(if_none_match)
}
