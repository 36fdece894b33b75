//! UserInfo endpoint (OIDC Core §5.3): claims by scope for a valid access token,
//! verified against the key set; errors per RFC 6750 §3.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Json, Response},
};
use serde_json::{Map, Value, json};

use crate::{
    state::AppState,
    store::StoreError,
    tokens::verify::{AccessTokenError, check_grant, grant_and_subject, verify_signature},
    web::bearer::bearer_token,
};

pub enum BearerError {
    Missing,
    InvalidToken(String),
    InsufficientScope,
    Store(StoreError),
}

impl From<StoreError> for BearerError {
    fn from(err: StoreError) -> Self {
        BearerError::Store(err)
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (status, challenge) = match self {
            BearerError::Missing => (StatusCode::UNAUTHORIZED, "Bearer realm=\"mana-auth\"".to_owned()),
            BearerError::InvalidToken(why) => (
                StatusCode::UNAUTHORIZED,
                format!(
                    "Bearer realm=\"mana-auth\", error=\"invalid_token\", error_description=\"{}\"",
                    why.replace('"', "'")
                ),
            ),
            BearerError::InsufficientScope => (
                StatusCode::FORBIDDEN,
                "Bearer realm=\"mana-auth\", error=\"insufficient_scope\", scope=\"openid\"".to_owned(),
            ),
            BearerError::Store(err) => return super::error::OAuthError::from(err).into_response(),
        };
        let mut response = status.into_response();
        if let Ok(value) = HeaderValue::from_str(&challenge) {
            response.headers_mut().insert(header::WWW_AUTHENTICATE, value);
        }
        response
    }
}

impl From<AccessTokenError> for BearerError {
    fn from(err: AccessTokenError) -> Self {
        match err {
            AccessTokenError::Invalid(why) => BearerError::InvalidToken(why),
            AccessTokenError::Store(err) => BearerError::Store(err),
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match claims_for(&state, &headers).await {
        Ok(body) => {
            let mut response = Json(body).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn claims_for(state: &AppState, headers: &HeaderMap) -> Result<Value, BearerError> {
    let token = bearer_token(headers).ok_or(BearerError::Missing)?;
    let claims = verify_signature(
        &state.keys.current(),
        &state.verified_tokens,
        &state.config,
        token,
        &state.config.access_token_audiences(),
    )?;
    let scopes: Vec<&str> = claims.scope.split(' ').collect();
    if !scopes.contains(&"openid") || claims.sid.is_none() {
        // A token that no longer stands is invalid (401) before it is insufficient (403).
        check_grant(&state.db, &state.config, &claims).await?;
        return Err(BearerError::InsufficientScope);
    }
    let user = grant_and_subject(&state.db, &state.config, &claims).await?;
    let mut body = Map::new();
    body.insert("sub".into(), json!(user.id));
    if scopes.contains(&"email") {
        body.insert("email".into(), json!(user.email));
        body.insert("email_verified".into(), json!(user.email_verified));
    }
    if scopes.contains(&"profile") {
        if let Some(name) = &user.name {
            body.insert("name".into(), json!(name));
        }
        if let Some(username) = &user.username {
            body.insert("preferred_username".into(), json!(username));
        }
    }
    Ok(Value::Object(body))
}
