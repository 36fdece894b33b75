//! `client_credentials` grant (RFC 6749 §4.4): a confidential client acting for itself.

use crate::{
    oidc::{
        error::OAuthError,
        resource,
        token::{TokenForm, TokenResponse},
    },
    state::AppState,
    store::clients::Client,
    tokens::{mint::access_token, scope::Scope},
};

/// Scopes that only make sense for a user.
const USER_SCOPES: [&str; 5] = ["openid", "profile", "email", "offline_access", "credits"];

pub async fn exchange(
    state: &AppState,
    client: &Client,
    form: &TokenForm,
    dpop_jkt: Option<&str>,
) -> Result<TokenResponse, OAuthError> {
    if client.is_public() || !client.allows_grant("client_credentials") {
        return Err(OAuthError::unauthorized_client("this client may not use client_credentials"));
    }
    let scope = Scope::parse(form.scope.as_deref().unwrap_or("")).map_err(OAuthError::invalid_scope)?;
    if let Some(name) = scope.names().into_iter().find(|n| USER_SCOPES.contains(n)) {
        return Err(OAuthError::invalid_scope(format!("scope `{name}` needs a user")));
    }
    let resource =
        resource::target(&state.config, client, form.resource.as_deref()).map_err(OAuthError::invalid_target)?;
    let scope = match resource {
        Some(resource) => scope.restricted_to(&resource.scopes),
        None => scope,
    };
    let audience = resource.map(|r| r.identifier.as_str());
    let access = access_token(&state.config, &state.keys.current(), client, &scope, None, audience, dpop_jkt)?;
    Ok(TokenResponse {
        access_token: access.token,
        token_type: "Bearer",
        expires_in: state.config.tokens.access_token_ttl_secs,
        refresh_token: None,
        id_token: None,
        scope: scope.to_string(),
    })
}
