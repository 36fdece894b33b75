//! What a replayed refresh token sets off, wherever it comes back: someone holds a
//! copy, so its whole family is revoked (and, for the native API, its session
//! ended), the metric counts it and the audit trail records it.

use serde_json::json;

use super::audit::{Event, Kind};
use crate::{
    security::client::ClientInfo,
    security::context::Security,
    store::{StoreError, auth_sessions, job_runs, notifications, now, refresh, security_events},
};

/// The replayed token's grant.
pub struct Replayed<'a> {
    pub family_id: &'a str,
    pub user_id: &'a str,
    pub client_id: &'a str,
    /// The session to end with it, when the session is the grant (native API).
    pub end_session: Option<&'a str>,
}

/// Revokes the family, ends the session if asked, and records it, in one transaction;
/// returns how many refresh tokens were revoked.
pub async fn contain(security: &Security, replayed: Replayed<'_>, caller: &ClientInfo) -> Result<u64, StoreError> {
    security.refresh_reuse.inc();
    let txn = security.db.begin().await?;
    let revoked = refresh::revoke_family(&txn, replayed.family_id).await?;
    if let Some(sid) = replayed.end_session {
        auth_sessions::end(&txn, sid).await?;
    }
    Event::new(Kind::RefreshTokenReused)
        .user(replayed.user_id)
        .client(replayed.client_id)
        .from(caller)
        .details(json!({ "revoked": revoked }))
        .write(&txn)
        .await?;
    txn.commit().await?;
    tracing::warn!(client_id = %replayed.client_id, revoked, "refresh token reused; revoked its family");
    alert_on_burst(security).await?;
    Ok(revoked)
}

/// Reuses within one window that make a burst: more than a user's flaky retry, rather
/// stolen tokens being tried.
const BURST: u64 = 5;
const BURST_WINDOW_SECS: i64 = 600;

/// Alerts once per window, across the replicas, when reuses come in a burst.
async fn alert_on_burst(security: &Security) -> Result<(), StoreError> {
    let at = now();
    let kind = Kind::RefreshTokenReused.as_str();
    if security_events::count_since(&security.db, kind, at - BURST_WINDOW_SECS).await? < BURST {
        return Ok(());
    }
    if job_runs::claim(&security.db, "alert.refresh_token_reuse", at / BURST_WINDOW_SECS).await? {
        let text = format!(
            "mana-auth {}: {BURST} or more refresh tokens came back within ten minutes and their families \
             are revoked; stolen tokens may be being tried (mana-auth audit --type {kind})",
            security.config.issuer
        );
        notifications::raise(&security.db, &security.config.notify, "refresh_token.reuse_burst", &text).await;
    }
    Ok(())
}
