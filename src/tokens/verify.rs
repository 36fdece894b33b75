//! Verifying an access token as this provider's own endpoints do: the signature check a
//! resource server does against the JWKS, plus what only the database knows — that the
//! session has not ended and the grant has not been revoked — asked in one query.

use entity::users;

use super::{mint::AccessClaims, verified::VerifiedTokens};
use crate::{
    config::Config,
    keys::{KeySet, keyset::Expect},
    store::{
        StoreError,
        auth_sessions::{self, Lifetime},
        db::Db,
        grant_status::{self, GrantStatus, SessionState},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum AccessTokenError {
    /// Why the token is refused, fit to show its bearer.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// An access token for one of `audiences`, its signature checked and its grant standing.
pub async fn verify_access_token(
    db: &Db,
    keys: &KeySet,
    seen: &VerifiedTokens,
    config: &Config,
    token: &str,
    audiences: &[&str],
) -> Result<AccessClaims, AccessTokenError> {
    let claims = verify_signature(keys, seen, config, token, audiences)?;
    check_grant(db, config, &claims).await?;
    Ok(claims)
}

/// Whether the grant of verified `claims` still stands; this use keeps its session alive.
pub async fn check_grant(db: &Db, config: &Config, claims: &AccessClaims) -> Result<(), AccessTokenError> {
    let status = grant_status::of(db, claims.sid.as_deref(), &claims.jti).await?;
    standing(db, config, claims, &status).await
}

/// The signature, header and claims of an access token for one of `audiences`, without
/// asking the database. A token verified before, for any audience of this provider, is
/// taken from `seen`; its audience is checked every time.
pub fn verify_signature(
    keys: &KeySet,
    seen: &VerifiedTokens,
    config: &Config,
    token: &str,
    audiences: &[&str],
) -> Result<AccessClaims, AccessTokenError> {
    let now = crate::store::now();
    let claims = match seen.get(token, keys, now) {
        Some(claims) => claims,
        None => {
            let verified = keys
                .verify::<AccessClaims>(token, &config.issuer, &Expect::access_token(&config.known_audiences()))
                .map_err(|e| AccessTokenError::Invalid(e.to_string()))?;
            seen.insert(token, verified.kid, &verified.claims, now);
            verified.claims
        }
    };
    if !audiences.contains(&claims.aud.as_str()) {
        return Err(AccessTokenError::Invalid("the token is for another audience".into()));
    }
    Ok(claims)
}

/// Whether the grant of verified `claims` still stands, and who its subject is, in one query.
pub async fn grant_and_subject(
    db: &Db,
    config: &Config,
    claims: &AccessClaims,
) -> Result<users::Model, AccessTokenError> {
    let (user, status) = grant_status::with_user(db, &claims.sub, claims.sid.as_deref(), &claims.jti)
        .await?
        .ok_or_else(|| AccessTokenError::Invalid("unknown subject".into()))?;
    standing(db, config, claims, &status).await?;
    Ok(user)
}

/// Refuses a token whose session has ended or whose grant was revoked; a use of a live
/// session moves its end forward.
async fn standing(
    db: &Db,
    config: &Config,
    claims: &AccessClaims,
    status: &GrantStatus,
) -> Result<(), AccessTokenError> {
    if matches!(status.session, SessionState::Ended) {
        return Err(AccessTokenError::Invalid("the session has ended".into()));
    }
    if status.revoked {
        return Err(AccessTokenError::Invalid("the token has been revoked".into()));
    }
    if let (SessionState::Active { last_used_at }, Some(sid)) = (&status.session, claims.sid.as_deref()) {
        auth_sessions::keep_alive(db, sid, *last_used_at, Lifetime::of(&config.sessions)).await?;
    }
    Ok(())
}
