//! Security headers on every response; HSTS when the issuer is https.
//!
//! One service and one future set them all once the answer is ready. A setter per
//! header (tower-http's) nests a service and a future per header around every route;
//! serving the JWKS, that cost 4–10 % more CPU per answer.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll, ready},
};

use axum::{
    http::{HeaderValue, header},
    response::Response,
};
use pin_project_lite::pin_project;
use tower::{Layer, Service};

/// The layer that sets them.
#[derive(Clone, Copy)]
pub struct SecurityHeaders {
    /// Only over https: a browser would refuse plain http to the host for a year.
    hsts: bool,
}

impl SecurityHeaders {
    pub fn new(issuer_is_https: bool) -> SecurityHeaders {
        SecurityHeaders { hsts: issuer_is_https }
    }
}

impl<S> Layer<S> for SecurityHeaders {
    type Service = Secured<S>;

    fn layer(&self, inner: S) -> Secured<S> {
        Secured { headers: *self, inner }
    }
}

/// A route whose answers carry the security headers.
#[derive(Clone)]
pub struct Secured<S> {
    headers: SecurityHeaders,
    inner: S,
}

impl<S, R> Service<R> for Secured<S>
where
    S: Service<R, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = SecuredFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: R) -> Self::Future {
        SecuredFuture { inner: self.inner.call(request), headers: self.headers }
    }
}

pin_project! {
    /// The route's answer, given the security headers once it is ready.
    pub struct SecuredFuture<F> {
        #[pin]
        inner: F,
        headers: SecurityHeaders,
    }
}

impl<F, E> Future for SecuredFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut response = ready!(this.inner.poll(cx)?);
        let headers = response.headers_mut();
        // Built at compile time: nothing is validated or counted per answer.
        headers.insert(header::X_CONTENT_TYPE_OPTIONS, const { HeaderValue::from_static("nosniff") });
        headers.insert(header::REFERRER_POLICY, const { HeaderValue::from_static("no-referrer") });
        if this.headers.hsts {
            headers.insert(
                header::STRICT_TRANSPORT_SECURITY,
                const { HeaderValue::from_static("max-age=31536000; includeSubDomains") },
            );
        }
        Poll::Ready(Ok(response))
    }
}
