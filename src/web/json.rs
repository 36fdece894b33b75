//! JSON request bodies (RFC 8259) whose refusals speak the API's error shape.

use axum::{
    body::Bytes,
    extract::{FromRequest, Request},
};
use serde::de::DeserializeOwned;

use super::{
    api_error::ApiError,
    input::{self, Refusal},
};

pub struct AppJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for AppJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !input::has_media_type(request.headers(), "application/json") {
            return Err(Refusal::media_type("application/json").into());
        }
        let body = Bytes::from_request(request, state).await.map_err(|r| Refusal::unreadable(r.status()))?;
        Ok(AppJson(input::json(&body)?))
    }
}
