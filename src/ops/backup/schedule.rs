//! Backups on a schedule inside `serve` (`backup.schedule`, cron syntax, UTC; five
//! fields, or six with seconds first), each followed by pruning past `backup.keep_days`.
//! Replicas on one database write one backup per scheduled time between them, and raise
//! one alert when the newest is older than two periods.

use chrono::{DateTime, Utc};
use croner::Cron;

use crate::{
    admin::backups,
    state::AppState,
    store::{job_runs, notifications},
};

/// Writes a backup at every time the schedule names, until the process stops.
pub async fn run(state: AppState, schedule: Cron) {
    loop {
        let now = chrono::Utc::now();
        let Ok(next) = schedule.find_next_occurrence(&now, false) else {
            tracing::warn!("backup.schedule names no future time; scheduled backups stop");
            return;
        };
        let wait = (next - now).to_std().unwrap_or_default();
        tokio::time::sleep(wait).await;
        alert_when_stale(&state, &schedule, next).await;
        // Of the replicas sharing the database, the one that claims this time writes it.
        let metrics = &state.metrics.scheduled_backups;
        match job_runs::claim(&state.db, "backup", next.timestamp()).await {
            Ok(true) => {}
            Ok(false) => continue,
            Err(err) => {
                tracing::error!(error = %err, "scheduled backup failed: cannot claim it");
                metrics.failed();
                continue;
            }
        }
        if backups::schedule_without_key(&state.config) {
            tracing::warn!("no backup key: the scheduled backup was not written");
            continue;
        }
        let started = std::time::Instant::now();
        let unencrypted = backups::key(&state.config).is_none();
        match backups::create(&state.db, &state.config, None, unencrypted).await {
            Ok(created) => {
                if let Err(err) = job_runs::finished(&state.db, "backup", next.timestamp()).await {
                    tracing::warn!(error = %err, "the scheduled backup could not be recorded as done");
                }
                let size = std::fs::metadata(&created.path).map_or(0, |m| m.len());
                metrics.succeeded(size, started.elapsed());
                tracing::info!(
                    file = %created.path.display(),
                    uploaded = created.uploaded.as_deref().unwrap_or("-"),
                    ms = started.elapsed().as_millis() as u64,
                    size,
                    unencrypted,
                    "scheduled backup written"
                );
                prune(&state).await;
            }
            Err(err) => {
                tracing::error!(error = %err, "scheduled backup failed");
                metrics.failed();
                let text = format!("mana-auth {}: the scheduled backup failed: {err}", state.config.issuer);
                notifications::raise(&state.db, &state.config.notify, "backup.failed", &text).await;
            }
        }
    }
}

/// Raises `backup.stale` when the newest scheduled backup, by whichever replica, is
/// older than two periods of the schedule (or none was written for that long since
/// they began): once per newest backup, across the replicas.
async fn alert_when_stale(state: &AppState, schedule: &Cron, tick: DateTime<Utc>) {
    let Some(period) = period(schedule, tick) else { return };
    let since = match job_runs::succeeded_since(&state.db, "backup").await {
        Ok(Some(since)) => since,
        Ok(None) => return,
        Err(err) => return tracing::warn!(error = %err, "cannot tell how old the newest backup is"),
    };
    if tick.timestamp() - since <= 2 * period {
        return;
    }
    if !job_runs::claim(&state.db, "backup.stale", since).await.unwrap_or(false) {
        return;
    }
    let at = DateTime::from_timestamp(since, 0).unwrap_or_default().format("%Y-%m-%d %H:%M:%S UTC");
    let text = format!(
        "mana-auth {}: no scheduled backup has been written since {at}, more than two periods of \
         backup.schedule; see the server's log and mana_auth_backup_failures_total",
        state.config.issuer
    );
    tracing::error!(since = %at, "scheduled backups are stale");
    notifications::raise(&state.db, &state.config.notify, "backup.stale", &text).await;
}

/// Seconds between the schedule's next two times after `at`.
fn period(schedule: &Cron, at: DateTime<Utc>) -> Option<i64> {
    let first = schedule.find_next_occurrence(&at, false).ok()?;
    let second = schedule.find_next_occurrence(&first, false).ok()?;
    Some((second - first).num_seconds())
}

/// Applies `backup.keep_days` after a scheduled backup, here and in the bucket.
async fn prune(state: &AppState) {
    let keep_days = state.config.backup.keep_days;
    if keep_days == 0 {
        return;
    }
    match backups::prune(&state.config, keep_days).await {
        Ok(0) => {}
        Ok(removed) => tracing::info!(removed, keep_days, "old backups pruned"),
        Err(err) => tracing::error!(error = %err, "pruning old backups failed"),
    }
}
