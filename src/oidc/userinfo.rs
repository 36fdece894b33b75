//! UserInfo endpoint (OIDC Core §5.3): claims by scope for a valid access token,
//! verified against the key set; errors per RFC 6750 §3.

use axum::{
    extract::State,
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Json, Response},
};
use serde_json::{Map, Value, json};

use crate::{
    dpop::presented::{
        PresentationError, Refusal, Scheme, challenges, check_presentation, insufficient_scope, presented,
    },
    state::AppState,
    store::StoreError,
    tokens::verify::{AccessTokenError, check_grant, grant_and_subject, verify_signature},
};

pub enum BearerError {
    Missing,
    /// The token, or how it was presented, is refused.
    Refused(Refusal),
    /// A token, presented under this scheme, without the `openid` scope.
    InsufficientScope(Scheme),
    Store(StoreError),
}

impl From<StoreError> for BearerError {
    fn from(err: StoreError) -> Self {
        BearerError::Store(err)
    }
}

impl IntoResponse for BearerError {
    fn into_response(self) -> Response {
        let (status, challenges) = match self {
            BearerError::Missing => (StatusCode::UNAUTHORIZED, challenges()),
            BearerError::Refused(refusal) => (StatusCode::UNAUTHORIZED, vec![refusal.challenge()]),
            BearerError::InsufficientScope(scheme) => {
                (StatusCode::FORBIDDEN, vec![insufficient_scope(scheme, "openid")])
            }
            BearerError::Store(err) => return super::error::OAuthError::from(err).into_response(),
        };
        let mut response = status.into_response();
        for challenge in challenges {
            response.headers_mut().append(header::WWW_AUTHENTICATE, challenge);
        }
        response
    }
}

impl From<PresentationError> for BearerError {
    fn from(err: PresentationError) -> Self {
        match err {
            PresentationError::Refused(refusal) => BearerError::Refused(refusal),
            PresentationError::Store(err) => BearerError::Store(err),
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn userinfo(State(state): State<AppState>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    match claims_for(&state, &method, uri.path(), &headers).await {
        Ok(body) => {
            let mut response = Json(body).into_response();
            response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn claims_for(state: &AppState, method: &Method, path: &str, headers: &HeaderMap) -> Result<Value, BearerError> {
    let presented = presented(headers).ok_or(BearerError::Missing)?;
    // Refused in the scheme it was presented with.
    let refused = |err| match err {
        AccessTokenError::Invalid(why) => BearerError::Refused(Refusal::invalid_token(presented.scheme, why)),
        AccessTokenError::Store(err) => BearerError::Store(err),
    };
    let claims = verify_signature(
        &state.keys.current(),
        &state.verified_tokens,
        &state.config,
        presented.token,
        &state.config.access_token_audiences(),
    )
    .map_err(refused)?;
    check_presentation(state, headers, method, path, &presented, &claims).await?;
    let scopes: Vec<&str> = claims.scope.split(' ').collect();
    if !scopes.contains(&"openid") || claims.sid.is_none() {
        // A token that no longer stands is invalid (401) before it is insufficient (403).
        check_grant(&state.db, &state.config, &claims).await.map_err(refused)?;
        return Err(BearerError::InsufficientScope(presented.scheme));
    }
    let user = grant_and_subject(&state.db, &state.config, &claims).await.map_err(refused)?;
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
