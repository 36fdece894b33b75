//! One log line per request: request id, method, route pattern, status, latency; the
//! same figures go to the request metrics. The route pattern is logged, never the URI,
//! whose query may hold codes or tokens.

use std::{sync::Arc, time::Instant};

use axum::{
    extract::{MatchedPath, Request, State},
    http::HeaderValue,
    middleware::Next,
    response::Response,
};
use tracing::Instrument;

use crate::{ops::metrics::Metrics, security::opaque::random_token};

pub async fn log_requests(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let request_id = random_token(9);
    let method = request.method().clone();
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", |p| p.as_str()).to_owned();
    let span = tracing::info_span!("request", id = %request_id, method = %method, route = %route);
    let mut response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    span.in_scope(|| tracing::info!(status, latency_us = elapsed.as_micros() as u64, "request"));
    metrics.http_requests.with_label_values(&[route.as_str(), method.as_str(), &status.to_string()]).inc();
    metrics.http_latency.with_label_values(&[route.as_str()]).observe(elapsed.as_secs_f64());
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", value);
    }
    response
}
