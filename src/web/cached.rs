//! Documents serialised once and served from memory with an ETag (discovery, JWKS):
//! every header value is built once too, so a response allocates nothing of its own.

use std::convert::Infallible;

use axum::{
    body::Bytes,
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::{IntoResponse, Response},
};

/// A pre-serialised JSON document with its ETag and caching policy.
pub struct CachedJson {
    pub body: Bytes,
    etag: HeaderValue,
    cache_control: HeaderValue,
}

impl CachedJson {
    /// `value` serialised, to be cached by clients for `max_age_secs`.
    pub fn new(value: &serde_json::Value, max_age_secs: u32) -> CachedJson {
        let body = Bytes::from(value.to_string());
        let digest = crate::security::opaque::digest_bytes(&body);
        let etag = HeaderValue::from_str(&format!("\"{}\"", &digest[..32])).expect("hex digits are a valid header");
        let cache_control =
            HeaderValue::from_str(&format!("public, max-age={max_age_secs}")).expect("digits are a valid header");
        CachedJson { body, etag, cache_control }
    }

    /// Answers 304 when the client already holds this version.
    pub fn respond(&self, IfNoneMatch(held): IfNoneMatch) -> Response {
        let caching = [(header::ETAG, self.etag.clone()), (header::CACHE_CONTROL, self.cache_control.clone())];
        if held.is_some_and(|held| held == self.etag) {
            return (StatusCode::NOT_MODIFIED, caching).into_response();
        }
        let json = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))];
        (json, caching, self.body.clone()).into_response()
    }
}

/// The request's `If-None-Match`, taken alone (the `HeaderMap` extractor copies every header).
pub struct IfNoneMatch(Option<HeaderValue>);

impl<S: Send + Sync> FromRequestParts<S> for IfNoneMatch {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(IfNoneMatch(parts.headers.get(header::IF_NONE_MATCH).cloned()))
    }
}
