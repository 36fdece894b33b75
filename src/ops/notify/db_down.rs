//! The one alert that cannot go through the outbox: the database does not answer. Each
//! server watches it and, once it has been unreachable for `notify.db_down_secs`, sends
//! straight to every target, trying again at each check until the alert lands or the
//! database answers; then it says, through the outbox, that the database is back. With
//! the database down there is nowhere to share a claim, so every server that sees the
//! outage sends its own alert, naming itself.

use std::time::{Duration, Instant};

use crate::{config::NotifyTarget, state::AppState, store::notifications};

/// The longest between two checks, and the longest a check waits for an answer.
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// An outage as this server sees it.
struct Outage {
    since: Instant,
    /// Whether it has lasted long enough to be told.
    alerted: bool,
    /// The targets the alert has not reached yet.
    unreached: Vec<NotifyTarget>,
}

/// Checks the database until the process stops.
pub async fn watch(state: AppState) {
    let limit = Duration::from_secs(state.config.notify.db_down_secs);
    if state.config.notify.targets.is_empty() || limit.is_zero() {
        return;
    }
    let mut every = tokio::time::interval(limit.min(CHECK_EVERY));
    let mut outage: Option<Outage> = None;
    loop {
        every.tick().await;
        let answers = tokio::time::timeout(CHECK_EVERY, state.db.ping()).await.is_ok_and(|ping| ping.is_ok());
        match (answers, outage.as_mut()) {
            (true, None) => {}
            (true, Some(ended)) => {
                if ended.alerted {
                    // Targets the outage alert never reached: it is moot now.
                    let missed = ended.unreached.len() as u64;
                    state.metrics.notifications.with_label_values(&["failed"]).inc_by(missed);
                    back(&state, ended.since.elapsed()).await;
                }
                outage = None;
            }
            (false, None) => outage = Some(Outage { since: Instant::now(), alerted: false, unreached: Vec::new() }),
            (false, Some(down)) => {
                if !down.alerted && down.since.elapsed() >= limit {
                    tracing::error!(secs = limit.as_secs(), "the database has not answered for notify.db_down_secs");
                    down.alerted = true;
                    down.unreached = state.config.notify.targets.clone();
                }
                alert(&state, down).await;
            }
        }
    }
}

/// Which server this is, for an alert each server sends on its own.
fn this_server(state: &AppState) -> String {
    std::env::var("HOSTNAME").unwrap_or_else(|_| state.config.server.bind.to_string())
}

/// Sends the outage alert to every target it has not reached yet.
async fn alert(state: &AppState, down: &mut Outage) {
    let text = format!(
        "mana-auth {}: the server {} has not reached the database for {} s",
        state.config.issuer,
        this_server(state),
        down.since.elapsed().as_secs()
    );
    let mut unreached = Vec::new();
    for target in std::mem::take(&mut down.unreached) {
        let result = match super::send(state, &target, "database.unreachable", &text).await {
            Ok(()) => "sent",
            Err(why) => {
                tracing::warn!(error = %why, "the database alert was not delivered; trying again");
                unreached.push(target);
                "retried"
            }
        };
        state.metrics.notifications.with_label_values(&[result]).inc();
    }
    down.unreached = unreached;
}

/// Says, through the outbox, that the database answers again.
async fn back(state: &AppState, after: Duration) {
    let text = format!(
        "mana-auth {}: the server {} reaches the database again, after {} s",
        state.config.issuer,
        this_server(state),
        after.as_secs()
    );
    tracing::info!(secs = after.as_secs(), "the database answers again");
    notifications::raise(&state.db, &state.config.notify, "database.reachable", &text).await;
}
