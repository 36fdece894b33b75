//! One log line per request: request id, method, route pattern, status, latency; the
//! same figures go to the request metrics. The route pattern is logged, never the URI,
//! whose query may hold codes or tokens.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use axum::{
    extract::{MatchedPath, Request, State},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use crate::{ops::metrics::Metrics, security::opaque::random_token};

/// What the request log needs: the metrics, and where request ids come from.
pub struct RequestLog {
    metrics: Arc<Metrics>,
    /// Random per process, so ids stay unique across restarts and replicas.
    id_prefix: String,
    /// Counts requests, so no randomness is drawn per request.
    next_id: AtomicU64,
}

impl RequestLog {
    pub fn new(metrics: Arc<Metrics>) -> Arc<RequestLog> {
        Arc::new(RequestLog { metrics, id_prefix: random_token(6), next_id: AtomicU64::new(0) })
    }

    fn next_id(&self) -> String {
        format!("{}-{:x}", self.id_prefix, self.next_id.fetch_add(1, Ordering::Relaxed))
    }
}

pub async fn log_requests(State(log): State<Arc<RequestLog>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = log.next_id();
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().cloned();
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let span = tracing::info_span!("request", id = %request_id, method = %method, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status();
    span.in_scope(|| tracing::info!(status = status.as_u16(), latency_us = elapsed.as_micros() as u64, "request"));
    log.metrics.http_requests.with_label_values(&[route, method.as_str(), status.as_str()]).inc();
    log.metrics.http_latency.with_label_values(&[route]).observe(elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::try_from(request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
