//! Operations: health checks, Prometheus metrics, backups and the doctor.

pub mod backup;
pub mod doctor;
pub mod health;
pub mod metrics;

use axum::{Router, routing::get};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::live))
        .route("/health/ready", get(health::ready))
        .route("/metrics", get(metrics::render))
}
