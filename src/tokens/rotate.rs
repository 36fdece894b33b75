//! Refresh-token rotation (RFC 6749 §6, RFC 9700 §4.14.2): each token is used once and
//! replaced by a new one of the same family. What a reuse revokes is the caller's policy.

use crate::store::db::Db;

use super::{
    TokenError,
    issue::{IssuedTokens, UserGrant, issue_user_tokens},
    scope::Scope,
};
use crate::{
    config::Config,
    keys::KeySet,
    store::{StoreError, auth_sessions, clients::Client, now, refresh, users},
};

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("the refresh token is invalid, expired or revoked")]
    Invalid,
    /// A used token came back: someone holds a copy.
    #[error("the refresh token was already used")]
    Reused { family_id: String, session_id: Option<String>, user_id: String },
    #[error("{0}")]
    InvalidScope(String),
    #[error(transparent)]
    Token(#[from] TokenError),
}

impl From<StoreError> for RotateError {
    fn from(err: StoreError) -> Self {
        RotateError::Token(err.into())
    }
}

/// Uses `presented` once and issues its successor, optionally for a narrower scope.
pub async fn rotate(
    config: &Config,
    keys: &KeySet,
    db: &Db,
    client: &Client,
    presented: &str,
    narrower: Option<&str>,
) -> Result<IssuedTokens, RotateError> {
    let row = refresh::find(db, presented).await?.ok_or(RotateError::Invalid)?;
    if row.client_id != client.id || row.revoked_at.is_some() {
        return Err(RotateError::Invalid);
    }
    let reused = || RotateError::Reused {
        family_id: row.family_id.clone(),
        session_id: row.session_id.clone(),
        user_id: row.user_id.clone(),
    };
    if row.used_at.is_some() {
        return Err(reused());
    }
    if row.expires_at <= now() {
        return Err(RotateError::Invalid);
    }
    let sid = row.session_id.as_deref().ok_or(RotateError::Invalid)?;
    let session = auth_sessions::find_active(db, sid).await?.ok_or(RotateError::Invalid)?;
    let user = users::find(db, &row.user_id).await?.ok_or(RotateError::Invalid)?;
    let granted = Scope::parse(&row.scope).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let scope = match narrower {
        Some(raw) => {
            let narrower = Scope::parse(raw).map_err(RotateError::InvalidScope)?;
            if !narrower.within(&granted) {
                return Err(RotateError::InvalidScope("scope exceeds the original grant".into()));
            }
            narrower
        }
        None => granted.clone(),
    };
    let txn = db.begin().await.map_err(StoreError::from)?;
    if !refresh::consume(&txn, &row.token_hash).await? {
        return Err(reused());
    }
    auth_sessions::touch(&txn, &session.id).await?;
    let grant = UserGrant {
        client,
        user: &user,
        granted: &granted,
        scope: &scope,
        sid: &session.id,
        auth_time: row.auth_time,
        amr: &session.amr,
        nonce: None,
        family_id: &row.family_id,
    };
    let issued = issue_user_tokens(config, keys, &txn, grant).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(issued)
}
