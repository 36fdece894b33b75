//! Token introspection (RFC 7662) for confidential clients. A token is described only
//! to the client it was issued to, and an access token also to resource servers
//! (clients marked `introspection`); to any other client it is inactive (§2.2, §4),
//! so a client cannot read who is behind another client's tokens.

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Json, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    error::OAuthError,
    token::{authenticate_client, parse_form},
};
use crate::{
    state::AppState,
    store::{now, refresh},
    tokens::verify::AccessTokenError,
};

/// `token_type_hint` (RFC 7662 §2.1) is accepted and ignored: every kind is tried.
#[derive(Deserialize)]
struct IntrospectForm {
    token: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn introspect(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match answer(&state, &headers, &body).await {
        Ok(body) => {
            let mut response = Json(body).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn answer(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<Value, OAuthError> {
    let form: IntrospectForm = parse_form(body)?;
    let client = authenticate_client(state, headers, form.client_id.as_deref(), form.client_secret.as_deref()).await?;
    if client.is_public() {
        return Err(OAuthError::invalid_client("introspection is for confidential clients"));
    }
    let token = form.token.ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    if token.matches('.').count() == 2 {
        return match state.verify_access_token(&token, &state.config.known_audiences()).await {
            Ok(claims) if claims.client_id == client.id || client.introspection => Ok(without_nulls(json!({
                "active": true,
                "token_type": if claims.cnf.is_some() { "DPoP" } else { "Bearer" },
                "cnf": claims.cnf,
                "scope": claims.scope,
                "client_id": claims.client_id,
                "sub": claims.sub,
                "aud": claims.aud,
                "iss": claims.iss,
                "exp": claims.exp,
                "iat": claims.iat,
                "jti": claims.jti,
                "sid": claims.sid,
            }))),
            Err(AccessTokenError::Store(err)) => Err(err.into()),
            Ok(_) | Err(_) => Ok(json!({ "active": false })),
        };
    }
    // Refresh tokens are only described to the client they were issued to.
    match refresh::find_with_used(&state.db, &token).await? {
        Some((row, false)) if row.client_id == client.id && row.revoked_at.is_none() && row.expires_at > now() => {
            Ok(json!({
                "active": true,
                "token_type": "refresh_token",
                "scope": row.scope,
                "client_id": row.client_id,
                "sub": row.user_id,
                "iss": state.config.issuer,
                "exp": row.expires_at,
                "iat": row.created_at,
                "sid": row.session_id,
            }))
        }
        _ => Ok(json!({ "active": false })),
    }
}

/// Members without a value are left out of a description, not sent as `null`.
fn without_nulls(mut description: Value) -> Value {
    if let Value::Object(members) = &mut description {
        members.retain(|_, value| !value.is_null());
    }
    description
}
