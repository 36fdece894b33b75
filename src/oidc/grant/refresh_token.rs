//! `refresh_token` grant (RFC 6749 §6): rotation on every use; a used token presented
//! again revokes its whole family (RFC 9700 §4.14.2).

use crate::{
    oidc::{
        error::OAuthError,
        resource,
        token::{TokenForm, TokenResponse},
    },
    security::token_reuse::{self, Replayed},
    state::AppState,
    store::clients::Client,
    tokens::rotate::{Asked, RotateError, rotate},
    web::client_info::ClientInfo,
};

pub async fn exchange(
    state: &AppState,
    client: &Client,
    form: &TokenForm,
    caller: &ClientInfo,
    dpop_jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if !client.allows_grant("refresh_token") {
        return Err(OAuthError::unauthorized_client("this client may not use refresh_token"));
    }
    let presented =
        form.refresh_token.as_deref().ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
    let resource =
        resource::target(&state.config, client, form.resource.as_deref()).map_err(OAuthError::invalid_target)?;
    let asked = Asked { scope: form.scope.as_deref(), resource, dpop_jkt };
    match rotate(&state.config, &state.keys.current(), &state.db, client, presented, asked).await {
        Ok(issued) => Ok(issued.into()),
        Err(RotateError::Reused { family_id, user_id, .. }) => {
            let replayed =
                Replayed { family_id: &family_id, user_id: &user_id, client_id: &client.id, end_session: None };
            token_reuse::contain(&state.security, replayed, caller).await?;
            Err(OAuthError::invalid_grant(RotateError::Invalid.to_string()))
        }
        Err(err @ (RotateError::Invalid | RotateError::WrongKey)) => Err(OAuthError::invalid_grant(err.to_string())),
        Err(RotateError::InvalidScope(why)) => Err(OAuthError::invalid_scope(why)),
        Err(RotateError::Token(err)) => Err(err.into()),
    }
}
