//! Security headers on every response; HSTS when the issuer is https; Retry-After on
//! every 503.
//!
//! Set by tower's `map_response` once the answer is ready: one service and one future
//! around each route. A setter per header (tower-http's) nests one of each per header;
//! serving the JWKS, that cost 4–10 % more CPU per answer.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::Response,
};
use tower::util::MapResponseLayer;

/// The layer that sets them. HSTS only over https: a browser would refuse plain http to
/// the host for a year.
pub fn security_headers(issuer_is_https: bool) -> MapResponseLayer<impl Fn(Response) -> Response + Clone> {
    MapResponseLayer::new(move |mut response: Response| {
        let unavailable = response.status() == StatusCode::SERVICE_UNAVAILABLE;
        let headers = response.headers_mut();
        // Built at compile time: nothing is validated or counted per answer.
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, const { HeaderValue::from_static("nosniff") });
        headers.insert(header::REFERRER_POLICY, const { HeaderValue::from_static("no-referrer") });
        if issuer_is_https {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                const { HeaderValue::from_static("max-age=31536000; includeSubDomains") },
            );
        }
        // Every 503 is a database that does not answer (or answers reads only): worth a
        // retry in a moment, from any surface (API, protocol, pages, readiness).
        if unavailable && !headers.contains_key(header::RETRY_AFTER) {
            headers.insert(header::RETRY_AFTER, const { HeaderValue::from_static("5") });
        }
        response
    })
}
