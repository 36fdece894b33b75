//! Backups on a schedule inside `serve` (`backup.schedule`, cron syntax, UTC; five
//! fields, or six with seconds first), each followed by pruning past `backup.keep_days`.
//! Replicas on one database write one backup per scheduled time between them.

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
