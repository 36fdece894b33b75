//! Form bodies and query strings of the hosted pages (HTML §4.10.21.7, urlencoded):
//! refusals are pages with the usual headers, never axum's plain-text rejections.

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Request},
    http::request::Parts,
};
use serde::de::DeserializeOwned;

use super::{
    input::{self, Refusal},
    page::PageError,
};

const FORM: &str = "application/x-www-form-urlencoded";

/// A submitted form, parsed into `T`.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !input::has_media_type(request.headers(), FORM) {
            return Err(Refusal::media_type(FORM).into());
        }
        let body = Bytes::from_request(request, state).await.map_err(|r| Refusal::unreadable(r.status()))?;
        Ok(PageForm(input::urlencoded(&body)?))
    }
}

/// The page's query string, parsed into `T`.
pub struct PageParams<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for PageParams<T> {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(PageParams(input::urlencoded(parts.uri.query().unwrap_or_default().as_bytes())?))
    }
}
