//! Refresh-token rotation (RFC 6749 §6, RFC 9700 §4.14.2): each token is used once and
//! replaced by a new one of the same family. A token presented again soon after its
//! rotation (a retry after a lost answer, or requests sent at once), while its successor
//! is unused, gets that successor again; any other reuse is reported, and what it
//! revokes is the caller's policy.

use entity::{auth_sessions::Model as Session, users::Model as User};

use super::{
    TokenError,
    issue::{IssuedTokens, UserGrant, mint_user_tokens, remint_user_tokens},
    scope::Scope,
};
use crate::{
    config::{Config, ResourceConfig},
    keys::KeySet,
    store::{
        StoreError, auth_sessions,
        clients::Client,
        db::Db,
        now,
        refresh::{self, Refused, WithGrant},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum RotateError {
    #[error("the refresh token is invalid, expired or revoked")]
    Invalid,
    /// A used token came back: someone holds a copy.
    #[error("the refresh token was already used")]
    Reused { family_id: String, session_id: Option<String>, user_id: String },
    /// The token is bound to a DPoP key (RFC 9449 §5) the request did not prove.
    #[error("the refresh token is bound to a DPoP key this request did not prove")]
    WrongKey,
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

/// What a refresh asks for beside the new token.
#[derive(Clone, Copy, Default)]
pub struct Asked<'a> {
    /// A narrower scope than the grant's.
    pub scope: Option<&'a str>,
    /// The resource the access token is for (RFC 8707).
    pub resource: Option<&'a ResourceConfig>,
    /// The thumbprint of the key of the request's DPoP proof.
    pub dpop_jkt: Option<&'a str>,
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
    asked: Asked<'_>,
) -> Result<IssuedTokens, RotateError> {
    let found = refresh::find_with_grant(db, presented).await?.ok_or(RotateError::Invalid)?;
    let row = &found.token;
    if row.client_id != client.id || row.revoked_at.is_some() {
        return Err(RotateError::Invalid);
    }
    if row.dpop_jkt.as_deref().is_some_and(|bound| asked.dpop_jkt != Some(bound)) {
        return Err(RotateError::WrongKey);
    }
    let reused = || RotateError::Reused {
        family_id: row.family_id.clone(),
        session_id: row.session_id.clone(),
        user_id: row.user_id.clone(),
    };
    let at = now();
    if found.used {
        let Ok(grant) = Grant::of(&found, asked, at) else { return Err(reused()) };
        return again(config, keys, db, presented, grant.user_grant(client, &found)).await?.ok_or_else(reused);
    }
    if row.expires_at <= at {
        return Err(RotateError::Invalid);
    }
    let grant = Grant::of(&found, asked, at)?;
    let minted = mint_user_tokens(config, keys, grant.user_grant(client, &found))?;
    let issued = match minted.store_successor(db, presented).await? {
        Ok(issued) => issued,
        // A rotation of the same token at the same time stored its successor first.
        Err(Refused::ParentUsed) => {
            return again(config, keys, db, presented, grant.user_grant(client, &found)).await?.ok_or_else(reused);
        }
        Err(Refused::ParentRevoked) => return Err(RotateError::Invalid),
    };
    // Written apart from the rotation, at most once a minute.
    let lifetime = auth_sessions::Lifetime::of(&config.sessions);
    auth_sessions::keep_alive(db, &grant.session.id, grant.session.last_used_at, lifetime).await?;
    Ok(issued)
}

/// The rotation of `presented`, which already has a successor, asked again: within
/// `tokens.refresh_retry_secs` of that successor's issue and while it is unused, the
/// same successor with a fresh access token. `None` when that grace is over: a reuse.
async fn again(
    config: &Config,
    keys: &KeySet,
    db: &Db,
    presented: &str,
    grant: UserGrant<'_>,
) -> Result<Option<IssuedTokens>, RotateError> {
    let window = i64::try_from(config.tokens.refresh_retry_secs).unwrap_or(i64::MAX);
    if window == 0 {
        return Ok(None);
    }
    let Some(successor) = refresh::find_successor(db, presented).await? else { return Ok(None) };
    let row = &successor.row;
    if successor.used || row.revoked_at.is_some() || now() >= row.created_at.saturating_add(window) {
        return Ok(None);
    }
    // A successor bound to a key goes only to a request that proves that key.
    if row.dpop_jkt.as_deref().is_some_and(|bound| grant.dpop_jkt != Some(bound)) {
        return Ok(None);
    }
    Ok(Some(remint_user_tokens(config, keys, grant, successor)?))
}

/// What a rotation issues for: the token's session, still active, its user, and the
/// scope granted and asked for.
struct Grant<'a> {
    session: &'a Session,
    user: &'a User,
    granted: Scope,
    scope: Scope,
    resource: Option<&'a ResourceConfig>,
    dpop_jkt: Option<&'a str>,
}

impl<'a> Grant<'a> {
    fn of(found: &'a WithGrant, asked: Asked<'a>, at: i64) -> Result<Self, RotateError> {
        let session = found.session.as_ref().filter(|s| auth_sessions::is_active(s, at)).ok_or(RotateError::Invalid)?;
        let user = found.user.as_ref().ok_or(RotateError::Invalid)?;
        let granted = Scope::parse(&found.token.scope).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let scope = match asked.scope {
            Some(raw) => {
                let narrower = Scope::parse(raw).map_err(RotateError::InvalidScope)?;
                if !narrower.within(&granted) {
                    return Err(RotateError::InvalidScope("scope exceeds the original grant".into()));
                }
                narrower
            }
            None => granted.clone(),
        };
        Ok(Self { session, user, granted, scope, resource: asked.resource, dpop_jkt: asked.dpop_jkt })
    }

    fn user_grant(&'a self, client: &'a Client, found: &'a WithGrant) -> UserGrant<'a> {
        UserGrant {
            client,
            user: self.user,
            granted: &self.granted,
            scope: &self.scope,
            sid: &self.session.id,
            auth_time: found.token.auth_time,
            amr: &self.session.amr,
            nonce: None,
            family_id: &found.token.family_id,
            resource: self.resource,
            dpop_jkt: self.dpop_jkt,
        }
    }
}
