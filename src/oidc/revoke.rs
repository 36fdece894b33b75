//! Token revocation (RFC 7009): revoking a refresh token, or an access token issued
//! with one, revokes the whole grant family. Unknown tokens still get 200 (§2.2).

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use super::{
    error::OAuthError,
    token::{authenticate_client, parse_form},
};
use crate::{keys::keyset::Expect, state::AppState, store::refresh, tokens::mint::AccessClaims};

#[derive(Deserialize)]
struct RevokeForm {
    token: Option<String>,
    token_type_hint: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    match revoke_token(&state, &headers, &body).await {
        Ok(()) => StatusCode::OK.into_response(),
        Err(err) => err.into_response(),
    }
}

async fn revoke_token(state: &AppState, headers: &HeaderMap, body: &[u8]) -> Result<(), OAuthError> {
    let form: RevokeForm = parse_form(body)?;
    let client = authenticate_client(state, headers, form.client_id.as_deref(), form.client_secret.as_deref()).await?;
    let token = form.token.ok_or_else(|| OAuthError::invalid_request("token is missing"))?;
    if let Some(hint) = form.token_type_hint.as_deref()
        && !matches!(hint, "access_token" | "refresh_token")
    {
        return Err(OAuthError::unsupported_token_type(format!("token_type_hint `{hint}` is not supported")));
    }
    let family = match refresh::find(&state.db, &token).await? {
        Some(row) => Some(row),
        None => match state.keys.current().verify::<AccessClaims>(
            &token,
            &state.config.issuer,
            &Expect::access_token(&state.config.known_audiences()),
        ) {
            Ok(verified) => refresh::family_of_access_token(&state.db, &verified.claims.jti).await?,
            Err(_) => None,
        },
    };
    if let Some(row) = family.filter(|row| row.client_id == client.id) {
        refresh::revoke_family(&state.db, &row.family_id).await?;
    }
    Ok(())
}
