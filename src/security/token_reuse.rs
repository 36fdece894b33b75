//! What a replayed refresh token sets off, wherever it comes back: someone holds a
//! copy, so its whole family is revoked (and, for the native API, its session
//! ended), the metric counts it and the audit trail records it.

use serde_json::json;

use super::audit::{Event, Kind};
use crate::{
    security::client::ClientInfo,
    security::context::Security,
    store::{StoreError, auth_sessions, refresh},
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
    Ok(revoked)
}
