//! Pushed Authorization Requests (RFC 9126): a client sends its authorization request
//! over the back channel, authenticated as at the token endpoint, and gets a
//! `request_uri` that takes the browser to `/authorize` once, within a minute.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::{
    authorize::{AuthorizeQuery, validate},
    error::OAuthError,
    token::{authenticate_client, dpop_proof, no_store, parse_form},
};
use crate::{security::client::ClientInfo, state::AppState, store::pushed_requests};

/// How a `request_uri` of this provider begins; the rest is its secret.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";
/// The life of a pushed request, seconds.
pub const TTL_SECS: i64 = 60;

/// The client's credentials among the request's parameters (`client_secret_post`).
#[derive(Deserialize)]
struct Credentials {
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn push(State(state): State<AppState>, caller: ClientInfo, headers: HeaderMap, body: Bytes) -> Response {
    match push_request(&state, &caller, &headers, &body).await {
        Ok(request_uri) => {
            let answer = json!({ "request_uri": request_uri, "expires_in": TTL_SECS });
            no_store((StatusCode::CREATED, Json(answer)).into_response())
        }
        Err(err) => err.into_response(),
    }
}

/// Authenticates the client, checks the request as `/authorize` would and stores it.
async fn push_request(
    state: &AppState,
    caller: &ClientInfo,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, OAuthError> {
    let limits = &state.config.security.rate_limit;
    state.limiter.check_address("token", caller, limits.token_per_ip).await?;
    let credentials: Credentials = parse_form(body)?;
    let query: AuthorizeQuery = parse_form(body)?;
    let client =
        authenticate_client(state, headers, credentials.client_id.as_deref(), credentials.client_secret.as_deref())
            .await?;
    if query.request_uri.is_some() {
        return Err(OAuthError::invalid_request("a pushed request cannot carry a request_uri"));
    }
    if query.client_id.as_deref().is_some_and(|id| id != client.id) {
        return Err(OAuthError::invalid_request("client_id is not the authenticated client"));
    }
    if !client.redirect_uris.iter().any(|r| Some(r.as_str()) == query.redirect_uri.as_deref()) {
        return Err(OAuthError::invalid_request("the redirect URI is not registered for this client"));
    }
    let mut pending = validate(&query, &client, &state.config)
        .map_err(|(code, description)| OAuthError::bad_request(code, description))?;
    // A proof sent with the push binds the code to its key (RFC 9449 §10.1).
    if let Some(proof) = dpop_proof(state, headers, "/par", false).await? {
        if pending.dpop_jkt.as_ref().is_some_and(|jkt| *jkt != proof.jkt) {
            return Err(OAuthError::bad_request("invalid_dpop_proof", "dpop_jkt is not the key of the DPoP proof"));
        }
        pending.dpop_jkt = Some(proof.jkt);
    }
    let request = serde_json::to_string(&pending).map_err(OAuthError::server_error)?;
    let secret = pushed_requests::push(&state.db, &client.id, request, TTL_SECS).await?;
    Ok(format!("{REQUEST_URI_PREFIX}{secret}"))
}
