//! Refresh-token rotation (RFC 6749 §6, RFC 9700 §4.14.2): each token is used once and
//! replaced by a new one of the same family. What a reuse revokes is the caller's policy.

use crate::store::db::Db;

use super::{
    TokenError,
    issue::{IssuedTokens, UserGrant, mint_user_tokens},
    scope::Scope,
};
use crate::{
    config::Config,
    keys::KeySet,
    store::{
        StoreError, auth_sessions,
        clients::Client,
        now,
        refresh::{self, Refused},
    },
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

/// Uses `presented` once and issues its successor, optionally for a narrower scope:
/// one read for the token, its session and its user, then one INSERT that stores the
/// successor only if the token stands and has none yet (see `refresh::create_successor`).
pub async fn rotate(
    config: &Config,
    keys: &KeySet,
    db: &Db,
    client: &Client,
    presented: &str,
    narrower: Option<&str>,
) -> Result<IssuedTokens, RotateError> {
    let found = refresh::find_with_grant(db, presented).await?.ok_or(RotateError::Invalid)?;
    let row = found.token;
    if row.client_id != client.id || row.revoked_at.is_some() {
        return Err(RotateError::Invalid);
    }
    let reused = || RotateError::Reused {
        family_id: row.family_id.clone(),
        session_id: row.session_id.clone(),
        user_id: row.user_id.clone(),
    };
    if found.used {
        return Err(reused());
    }
    let at = now();
    if row.expires_at <= at {
        return Err(RotateError::Invalid);
    }
    let session = found.session.filter(|s| auth_sessions::is_active(s, at)).ok_or(RotateError::Invalid)?;
    let user = found.user.ok_or(RotateError::Invalid)?;
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
    let minted = mint_user_tokens(config, keys, grant)?;
    let issued = match minted.store_successor(db, &row.token_hash).await? {
        Ok(issued) => issued,
        Err(Refused::ParentUsed) => return Err(reused()),
        Err(Refused::ParentRevoked) => return Err(RotateError::Invalid),
    };
    // The session list's "last used": written apart from the rotation, at most once a minute.
    if session.last_used_at <= at - auth_sessions::LAST_USED_STEP_SECS {
        auth_sessions::touch(db, &session.id).await?;
    }
    Ok(issued)
}
