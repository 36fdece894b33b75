//! Documents serialised once and served from memory with an ETag (discovery, JWKS):
//! every header value is built once too, so a response allocates nothing of its own.

use std::convert::Infallible;

use axum::{
    body::{Body, Bytes},
    extract::FromRequestParts,
    http::{HeaderValue, StatusCode, header, request::Parts},
    response::Response,
};

/// Headers on a full answer once every layer has added its own (request id, security
/// headers): room for them from the start, so the header map never grows.
const HEADERS_ON_ANSWER: usize = 8;

/// A pre-serialised JSON document with its ETag and caching policy.
pub struct CachedJson {
    pub body: Bytes,
    etag: HeaderValue,
    cache_control: HeaderValue,
    content_length: HeaderValue,
}

impl CachedJson {
    /// `value` serialised, to be cached by clients for `max_age_secs`.
    pub fn new(value: &serde_json::Value, max_age_secs: u32) -> CachedJson {
        let body = Bytes::from(value.to_string());
        let digest = crate::security::opaque::digest_bytes(&body);
        let etag = HeaderValue::from_str(&format!("\"{}\"", &digest[..32])).expect("hex digits are a valid header");
        let cache_control =
            HeaderValue::from_str(&format!("public, max-age={max_age_secs}")).expect("digits are a valid header");
        let content_length = HeaderValue::from(body.len());
        CachedJson { body, etag, cache_control, content_length }
    }

    /// Answers 304 when the client already holds this version.
    pub fn respond(&self, IfNoneMatch(held): IfNoneMatch) -> Response {
        let held_already = held.is_some_and(|held| held == self.etag);
        let mut response = if held_already {
            let mut response = Response::new(Body::empty());
            *response.status_mut() = StatusCode::NOT_MODIFIED;
            response
        } else {
            Response::new(Body::from(self.body.clone()))
        };
        let headers = response.headers_mut();
        headers.reserve(HEADERS_ON_ANSWER);
        headers.insert(header::ETAG, self.etag.clone());
        headers.insert(header::CACHE_CONTROL, self.cache_control.clone());
        if !held_already {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            headers.insert(header::CONTENT_LENGTH, self.content_length.clone());
        }
        response
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
