//! Security headers on every response; HSTS when the issuer is https.

use axum::http::{HeaderValue, header};
use tower::Layer;
use tower_http::set_header::SetResponseHeader;

/// The layer that sets them, over tower-http's header setter (no per-request allocation).
#[derive(Clone)]
pub struct SecurityHeaders {
    /// Only over https: a browser would refuse plain http to the host for a year.
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    pub fn new(issuer_is_https: bool) -> SecurityHeaders {
        SecurityHeaders {
            hsts: issuer_is_https.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains")),
        }
    }
}

type Set<S, V> = SetResponseHeader<S, V>;

impl<S> Layer<S> for SecurityHeaders {
    type Service = Set<Set<Set<S, HeaderValue>, HeaderValue>, Option<HeaderValue>>;

    fn layer(&self, inner: S) -> Self::Service {
        let nosniff = HeaderValue::from_static("nosniff");
        let inner = SetResponseHeader::overriding(inner, header::X_CONTENT_TYPE_OPTIONS, nosniff);
        let inner =
            SetResponseHeader::overriding(inner, header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
        SetResponseHeader::overriding(inner, header::STRICT_TRANSPORT_SECURITY, self.hsts.clone())
    }
}
