//! Documents serialised once and served from memory with an ETag (discovery, JWKS).

use axum::{
    body::Bytes,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};

/// A pre-serialised JSON document with its ETag.
pub struct CachedJson {
    pub body: Bytes,
    pub etag: String,
}

impl CachedJson {
    pub fn new(value: &serde_json::Value) -> CachedJson {
        let body = Bytes::from(value.to_string());
        let etag = format!("\"{}\"", &crate::security::opaque::digest_bytes(&body)[..32]);
        CachedJson { body, etag }
    }

    /// Answers 304 when the client already holds this version.
    pub fn respond(&self, request_headers: &HeaderMap, max_age_secs: u32) -> Response {
        let cache = format!("public, max-age={max_age_secs}");
        if request_headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == self.etag.as_bytes()) {
            return (StatusCode::NOT_MODIFIED, [(header::ETAG, self.etag.clone()), (header::CACHE_CONTROL, cache)])
                .into_response();
        }
        (
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (header::ETAG, self.etag.clone()),
                (header::CACHE_CONTROL, cache),
            ],
            self.body.clone(),
        )
            .into_response()
    }
}
