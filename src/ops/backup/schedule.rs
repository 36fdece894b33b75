//! Backups on a schedule inside `serve` (`backup.schedule`, cron syntax, UTC; five
//! fields, or six with seconds first).

use croner::Cron;

use crate::{admin::backups, state::AppState};

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
        let started = std::time::Instant::now();
        match backups::create(&state.db, &state.config, None, false).await {
            Ok(created) => tracing::info!(
                file = %created.path.display(),
                uploaded = created.uploaded.as_deref().unwrap_or("-"),
                ms = started.elapsed().as_millis() as u64,
                "scheduled backup written"
            ),
            Err(err) => tracing::error!(error = %err, "scheduled backup failed"),
        }
    }
}
