//! Operations: health checks, Prometheus metrics, backups and the doctor.

pub mod backup;
pub mod doctor;
pub mod health;
pub mod log_format;
pub mod log_writer;
pub mod metrics;
pub mod notify;

use axum::{Router, routing::get};

use crate::{config::Config, state::AppState};

/// The health checks, and `/metrics` when a bearer token opens it on the main listener.
pub fn router(config: &Config) -> Router<AppState> {
    let router = Router::new().route("/health", get(health::live)).route("/health/ready", get(health::ready));
    if config.metrics.token.is_some() { router.route("/metrics", get(metrics::render_for_bearer)) } else { router }
}

/// The metrics listener's own router: `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> Router {
    Router::new().route("/metrics", get(metrics::render)).with_state(state)
}
