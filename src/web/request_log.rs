//! One log line per request: request id, method, route pattern, status, latency; the
//! same figures go to the request metrics. The route pattern is logged, never the URI,
//! whose query may hold codes or tokens. While the request is answered, its id, method
//! and route travel with its task, so every other line it logs names them too.
//!
//! A tower layer rather than an axum `from_fn` middleware: it wraps every route, and
//! `from_fn` boxes a future and clones the route's boxed service on every request.

use std::{
    future::Future,
    pin::Pin,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll, ready},
    time::Instant,
};

use axum::{
    body::Bytes,
    extract::{MatchedPath, Request},
    http::{HeaderName, HeaderValue},
    response::Response,
};
use pin_project_lite::pin_project;
use tokio::task::futures::TaskLocalFuture;
use tower::{Layer, Service};

use crate::{
    ops::{
        log_format::{RequestTag, tagged},
        metrics::Metrics,
    },
    security::opaque::random_token,
};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What the request log needs: the metrics, and where request ids come from.
#[derive(Clone)]
pub struct RequestLog(Arc<Ids>);

struct Ids {
    metrics: Arc<Metrics>,
    /// Random per process and ending in `-`, so ids stay unique across restarts and replicas.
    prefix: String,
    /// Counts requests, so no randomness is drawn per request.
    next: AtomicU64,
}

impl RequestLog {
    pub fn new(metrics: Arc<Metrics>) -> RequestLog {
        RequestLog(Arc::new(Ids { metrics, prefix: format!("{}-", random_token(6)), next: AtomicU64::new(0) }))
    }

    /// The prefix and the count in 16 hex digits, written without the formatting machinery.
    fn next_id(&self) -> HeaderValue {
        let mut digits = [0u8; 16];
        let count = self.0.next.fetch_add(1, Ordering::Relaxed);
        hex::encode_to_slice(count.to_be_bytes(), &mut digits).expect("8 bytes are 16 hex digits");
        let mut id = Vec::with_capacity(self.0.prefix.len() + digits.len());
        id.extend_from_slice(self.0.prefix.as_bytes());
        id.extend_from_slice(&digits);
        HeaderValue::from_maybe_shared(Bytes::from(id)).expect("url-safe characters are a valid header")
    }
}

impl<S> Layer<S> for RequestLog {
    type Service = Logged<S>;

    fn layer(&self, inner: S) -> Logged<S> {
        Logged { log: self.clone(), inner }
    }
}

/// A route with its requests logged and counted.
#[derive(Clone)]
pub struct Logged<S> {
    log: RequestLog,
    inner: S,
}

impl<S> Service<Request> for Logged<S>
where
    S: Service<Request, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = LoggedFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let tag = RequestTag {
            id: self.log.next_id(),
            method: request.method().clone(),
            route: request.extensions().get::<MatchedPath>().cloned(),
        };
        LoggedFuture { inner: tagged(tag, self.inner.call(request)), log: self.log.clone(), started }
    }
}

pin_project! {
    /// The route's answer, logged, counted and given its request id once it is ready.
    pub struct LoggedFuture<F> {
        #[pin]
        inner: TaskLocalFuture<RequestTag, F>,
        log: RequestLog,
        started: Instant,
    }
}

impl<F, E> Future for LoggedFuture<F>
where
    F: Future<Output = Result<Response, E>>,
{
    type Output = Result<Response, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let mut response = ready!(this.inner.as_mut().poll(cx)?);
        let elapsed = this.started.elapsed();
        let status = response.status();
        let tag = this.inner.take_value().expect("a request is logged once");
        let route = tag.route();
        tracing::info!(
            id = tag.id(),
            method = tag.method.as_str(),
            route,
            status = status.as_u16(),
            latency_us = elapsed.as_micros() as u64,
            "request"
        );
        let metrics = &this.log.0.metrics;
        metrics.http_requests.with_label_values(&[route, tag.method.as_str(), status.as_str()]).inc();
        metrics.http_latency.with_label_values(&[route]).observe(elapsed.as_secs_f64());
        response.headers_mut().insert(REQUEST_ID, tag.id);
        Poll::Ready(Ok(response))
    }
}
