//! Alerts that reach a person (`[[notify.targets]]`): a Slack-compatible webhook
//! (`POST {"text": …}`) or a mail through `[mail]`. An alert is written to the outbox
//! (`store::notifications::raise`) by whoever raises it, a server or a command, and every
//! server's sender delivers what is due, each row by one of them, retrying with
//! back-off while a target fails. The database's own outage goes around the outbox
//! (`db_down`).

pub mod db_down;

use std::time::Duration;

use serde_json::json;

use crate::{
    config::NotifyTarget,
    mail::Mail,
    state::AppState,
    store::{StoreError, notifications, now},
};

/// Attempts before an alert is given up: the last about four minutes after the first.
const MAX_ATTEMPTS: i64 = 8;

/// Delivers due alerts every second until the process stops.
pub async fn run(state: AppState) {
    if state.config.notify.targets.is_empty() {
        return;
    }
    let mut every = tokio::time::interval(Duration::from_secs(1));
    loop {
        every.tick().await;
        if let Err(err) = deliver_due(&state).await {
            tracing::warn!(error = %err, "delivering alerts failed");
        }
    }
}

async fn deliver_due(state: &AppState) -> Result<(), StoreError> {
    for row in notifications::due(&state.db, 20).await? {
        if !notifications::claim(&state.db, &row).await? {
            continue;
        }
        let target = state.config.notify.targets.iter().find(|t| t.key() == row.target);
        let outcome = match target {
            Some(target) => send(state, target, &row.event, &row.text).await,
            None => Err("the target is no longer configured".to_owned()),
        };
        let result = match outcome {
            Ok(()) => {
                notifications::sent(&state.db, &row.id).await?;
                "sent"
            }
            Err(why) => {
                let attempts = row.attempts + 1;
                let retry_at = (target.is_some() && attempts < MAX_ATTEMPTS).then(|| now() + (1 << attempts));
                notifications::failed(&state.db, &row.id, retry_at).await?;
                // The target is not logged: a webhook URL is a secret.
                tracing::warn!(event = %row.event, attempts, error = %why, "alert not delivered");
                if retry_at.is_some() { "retried" } else { "failed" }
            }
        };
        state.metrics.notifications.with_label_values(&[result]).inc();
    }
    Ok(())
}

/// Sends one alert to one target; the error says why it did not arrive.
async fn send(state: &AppState, target: &NotifyTarget, event: &str, text: &str) -> Result<(), String> {
    match target {
        NotifyTarget::Webhook { url } => {
            let answer = state
                .http
                .post(url)
                .json(&json!({ "text": text }))
                .send()
                .await
                .map_err(|e| e.without_url().to_string())?;
            if answer.status().is_success() { Ok(()) } else { Err(format!("the webhook answered {}", answer.status())) }
        }
        NotifyTarget::Email { to } => {
            let mail = Mail { to: to.clone(), subject: format!("mana-auth: {event}"), body: text.to_owned() };
            state.mailer.send(mail).await.map_err(|e| e.to_string())
        }
    }
}
