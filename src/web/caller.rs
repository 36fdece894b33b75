//! The signed-in caller of an API request: a bearer access token verified against the
//! key set, whose session is still active.

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{
    state::AppState,
    tokens::verify::AccessTokenError,
    web::{api_error::ApiError, bearer::bearer_token},
};

pub struct Caller {
    pub user_id: String,
    pub sid: String,
    pub client_id: String,
    pub scope: String,
}

impl Caller {
    /// Whether the token carries `scope`, or comes from the native API's own sign-in.
    pub fn may(&self, scope: &str, api_client_id: &str) -> bool {
        self.client_id == api_client_id || self.scope.split(' ').any(|s| s == scope)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let token = bearer_token(&parts.headers)
            .ok_or_else(|| ApiError::unauthorized("unauthorized", "a bearer access token is required"))?;
        let claims = state.verify_access_token(token).await.map_err(|e| match e {
            AccessTokenError::Invalid(why) => ApiError::unauthorized("invalid_token", why),
            AccessTokenError::Store(err) => err.into(),
        })?;
        let sid = claims.sid.ok_or_else(|| ApiError::forbidden("this endpoint needs a user's token"))?;
        Ok(Caller { user_id: claims.sub, sid, client_id: claims.client_id, scope: claims.scope })
    }
}
