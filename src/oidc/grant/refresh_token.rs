//! `refresh_token` grant (RFC 6749 §6): rotation on every use; a used token presented
//! again revokes its whole family (RFC 9700 §4.14.2).

use crate::{
    oidc::{
        error::OAuthError,
        token::{TokenForm, TokenResponse},
    },
    security::audit::{Event, Kind},
    state::AppState,
    store::{clients::Client, refresh},
    tokens::rotate::{RotateError, rotate},
};
use serde_json::json;

pub async fn exchange(state: &AppState, client: &Client, form: &TokenForm) -> Result<TokenResponse, OAuthError> {
    if !client.allows_grant("refresh_token") {
        return Err(OAuthError::unauthorized_client("this client may not use refresh_token"));
    }
    let presented =
        form.refresh_token.as_deref().ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
    match rotate(&state.config, &state.keys.current(), &state.db, client, presented, form.scope.as_deref()).await {
        Ok(issued) => Ok(issued.into()),
        Err(RotateError::Reused { family_id, user_id, .. }) => {
            state.metrics.refresh_reuse.inc();
            let revoked = refresh::revoke_family(&state.db, &family_id).await?;
            tracing::warn!(client_id = %client.id, revoked, "refresh token reused; revoked its family");
            Event::new(Kind::RefreshTokenReused)
                .user(user_id.as_str())
                .client(&client.id)
                .details(json!({ "revoked": revoked }))
                .record(&state.db)
                .await;
            Err(OAuthError::invalid_grant(RotateError::Invalid.to_string()))
        }
        Err(err @ RotateError::Invalid) => Err(OAuthError::invalid_grant(err.to_string())),
        Err(RotateError::InvalidScope(why)) => Err(OAuthError::invalid_scope(why)),
        Err(RotateError::Token(err)) => Err(err.into()),
    }
}
