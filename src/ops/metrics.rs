//! Prometheus metrics in a registry of the app's own: requests, latency, tokens issued,
//! sign-in failures, refresh-token reuse, credits spent, signing-key age, log lines
//! dropped. The one global is the log writer's drop count, as logging is per process.
//! Served on `metrics.bind`, and on the main listener only to the bearer of
//! `metrics.token` (RFC 6750 §2.1).

use std::sync::OnceLock;

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use prometheus::{
    Encoder, Gauge, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

use crate::{
    security::opaque::{digest, matches_digest},
    state::AppState,
    web::bearer::bearer_token,
};

pub struct Metrics {
    registry: Registry,
    pub http_requests: IntCounterVec,
    pub http_latency: HistogramVec,
    pub tokens_issued: IntCounterVec,
    pub sign_in_failures: IntCounterVec,
    pub refresh_reuse: IntCounter,
    pub credits_spent: IntCounter,
    signing_key_age: IntGaugeVec,
    last_backup: IntGauge,
    backups_without_key: IntGauge,
    log_lines_dropped: IntCounter,
    /// What the scheduled backups of this process did.
    pub scheduled_backups: ScheduledBackups,
    /// Alert deliveries by result: sent, retried, failed (given up).
    pub notifications: IntCounterVec,
}

/// The outcome of this process's scheduled backups, for alerts on failures and age.
#[derive(Clone)]
pub struct ScheduledBackups {
    last_success: IntGauge,
    last_failure: IntGauge,
    last_size: IntGauge,
    last_duration: Gauge,
    failures: IntCounter,
}

impl ScheduledBackups {
    fn new(registry: &Registry) -> Result<Self, prometheus::Error> {
        let metrics = ScheduledBackups {
            last_success: IntGauge::new(
                "backup_last_success_timestamp_seconds",
                "When this process last wrote a scheduled backup",
            )?,
            last_failure: IntGauge::new(
                "backup_last_failure_timestamp_seconds",
                "When a scheduled backup of this process last failed",
            )?,
            last_size: IntGauge::new("backup_last_size_bytes", "Size of the last scheduled backup written")?,
            last_duration: Gauge::new("backup_last_duration_seconds", "How long the last scheduled backup took")?,
            failures: IntCounter::new("backup_failures_total", "Scheduled backups that failed")?,
        };
        registry.register(Box::new(metrics.last_success.clone()))?;
        registry.register(Box::new(metrics.last_failure.clone()))?;
        registry.register(Box::new(metrics.last_size.clone()))?;
        registry.register(Box::new(metrics.last_duration.clone()))?;
        registry.register(Box::new(metrics.failures.clone()))?;
        Ok(metrics)
    }

    pub fn succeeded(&self, size: u64, took: std::time::Duration) {
        self.last_success.set(crate::store::now());
        self.last_size.set(i64::try_from(size).unwrap_or(i64::MAX));
        self.last_duration.set(took.as_secs_f64());
    }

    pub fn failed(&self) {
        self.last_failure.set(crate::store::now());
        self.failures.inc();
    }

    /// When a scheduled backup of this process last failed, if one did.
    pub fn last_failure(&self) -> Option<i64> {
        Some(self.last_failure.get()).filter(|at| *at > 0)
    }
}

/// The log writer's count of lines it had to drop, when logs go through one.
static DROPPED_LOG_LINES: OnceLock<super::log_writer::LogWriter> = OnceLock::new();

/// Makes `/metrics` report the lines the process's log writer drops; logging is set
/// up once per process, before any state exists.
pub fn count_dropped_log_lines(writer: super::log_writer::LogWriter) {
    let _ = DROPPED_LOG_LINES.set(writer);
}

impl Metrics {
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new_custom(Some("mana_auth".into()), None)?;
        let http_requests = IntCounterVec::new(
            Opts::new("http_requests_total", "HTTP requests by route, method and status"),
            &["route", "method", "status"],
        )?;
        let http_latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency by route")
                .buckets(vec![0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5]),
            &["route"],
        )?;
        let tokens_issued =
            IntCounterVec::new(Opts::new("tokens_issued_total", "Token responses issued by grant type"), &["grant"])?;
        let sign_in_failures =
            IntCounterVec::new(Opts::new("sign_in_failures_total", "Failed sign-ins by surface"), &["surface"])?;
        let refresh_reuse = IntCounter::new("refresh_token_reuse_total", "Reused refresh tokens detected")?;
        let credits_spent = IntCounter::new("credits_spent_total", "Credits spent")?;
        let signing_key_age = IntGaugeVec::new(
            Opts::new("signing_key_age_seconds", "Age of the active signing key by algorithm"),
            &["alg"],
        )?;
        registry.register(Box::new(http_requests.clone()))?;
        registry.register(Box::new(http_latency.clone()))?;
        registry.register(Box::new(tokens_issued.clone()))?;
        registry.register(Box::new(sign_in_failures.clone()))?;
        registry.register(Box::new(refresh_reuse.clone()))?;
        registry.register(Box::new(credits_spent.clone()))?;
        let last_backup =
            IntGauge::new("last_backup_timestamp_seconds", "When the newest backup file in backup.dir was written")?;
        let log_lines_dropped = IntCounter::new(
            "log_lines_dropped_total",
            "Log lines dropped because the log writer's buffer was full (requests never wait on logging)",
        )?;
        registry.register(Box::new(signing_key_age.clone()))?;
        registry.register(Box::new(last_backup.clone()))?;
        registry.register(Box::new(log_lines_dropped.clone()))?;
        let backups_without_key = IntGauge::new(
            "backups_without_key",
            "1 while scheduled backups are due but not written for want of a backup key",
        )?;
        registry.register(Box::new(backups_without_key.clone()))?;
        let scheduled_backups = ScheduledBackups::new(&registry)?;
        let notifications =
            IntCounterVec::new(Opts::new("notifications_total", "Alert deliveries by result"), &["result"])?;
        registry.register(Box::new(notifications.clone()))?;
        Ok(Metrics {
            registry,
            http_requests,
            http_latency,
            tokens_issued,
            sign_in_failures,
            refresh_reuse,
            credits_spent,
            signing_key_age,
            last_backup,
            backups_without_key,
            log_lines_dropped,
            scheduled_backups,
            notifications,
        })
    }
}

impl Metrics {
    /// Brings the dropped-lines counter up to the writer's own count.
    fn record_dropped_log_lines(&self, dropped: u64) {
        self.log_lines_dropped.inc_by(dropped.saturating_sub(self.log_lines_dropped.get()));
    }
}

/// `/metrics` in the Prometheus text format.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn render(State(state): State<AppState>) -> Response {
    let now = crate::store::now();
    for (alg, activated_at) in state.keys.current().activation_times() {
        state.metrics.signing_key_age.with_label_values(&[alg.as_str()]).set(now - activated_at);
    }
    if let Some(written) = newest_backup(std::path::Path::new(&state.config.backup.dir)) {
        state.metrics.last_backup.set(written);
    }
    state.metrics.backups_without_key.set(i64::from(crate::admin::backups::schedule_without_key(&state.config)));
    if let Some(dropped) = DROPPED_LOG_LINES.get() {
        state.metrics.record_dropped_log_lines(dropped.dropped());
    }
    let mut body = Vec::new();
    match TextEncoder::new().encode(&state.metrics.registry.gather(), &mut body) {
        Ok(()) => ([(header::CONTENT_TYPE, prometheus::TEXT_FORMAT)], body).into_response(),
        Err(err) => {
            tracing::error!(error = %err, "encoding metrics failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `/metrics` on the main listener: to anyone but the bearer of `metrics.token` it
/// does not exist. The token is compared by digest, in constant time.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn render_for_bearer(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let expected = state.config.metrics.token.as_ref().map(|token| digest(token.expose()));
    match (bearer_token(&headers), expected) {
        (Some(presented), Some(expected)) if matches_digest(presented, &expected) => render(State(state)).await,
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// UNIX time of the newest backup file, the backups `mana-auth backup create` wrote.
fn newest_backup(dir: &std::path::Path) -> Option<i64> {
    crate::ops::backup::list(dir)
        .ok()?
        .iter()
        .filter_map(|(path, _)| std::fs::metadata(path).ok()?.modified().ok())
        .max()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::Metrics;

    #[test]
    fn the_dropped_lines_counter_follows_the_writers_count() {
        let metrics = Metrics::new().expect("metrics");
        for seen in [3, 5, 5, 2] {
            metrics.record_dropped_log_lines(seen);
        }
        assert_eq!(metrics.log_lines_dropped.get(), 5, "it counts up to the writer's count and never back");
    }
}
