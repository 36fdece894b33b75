//! Query strings and path segments of the API, parsed and refused like its JSON bodies.

use axum::{
    extract::{FromRequestParts, Path, RawPathParams},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use super::{
    api_error::ApiError,
    input::{self, Refusal},
};

/// The query string, parsed into `T`.
pub struct AppQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for AppQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(AppQuery(input::urlencoded(parts.uri.query().unwrap_or_default().as_bytes())?))
    }
}

/// The route's path parameters, percent-decoded, each one line.
pub struct AppPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for AppPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let malformed = || ApiError::from(Refusal::bad_request("the path is malformed"));
        let raw = RawPathParams::from_request_parts(parts, state).await.map_err(|_| malformed())?;
        for (name, value) in &raw {
            input::single_line(name, value)?;
        }
        let Path(value) = Path::<T>::from_request_parts(parts, state).await.map_err(|_| malformed())?;
        Ok(AppPath(value))
    }
}
