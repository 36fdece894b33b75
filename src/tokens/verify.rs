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
        db::Db,
        grant_status::{self, GrantStatus},
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

pub async fn verify_access_token(
    db: &Db,
    keys: &KeySet,
    seen: &VerifiedTokens,
    config: &Config,
    token: &str,
) -> Result<AccessClaims, AccessTokenError> {
    let claims = verify_signature(keys, seen, config, token)?;
    check_grant(db, &claims).await?;
    Ok(claims)
}

/// Whether the grant of verified `claims` still stands.
pub async fn check_grant(db: &Db, claims: &AccessClaims) -> Result<(), AccessTokenError> {
    standing(&grant_status::of(db, claims.sid.as_deref(), &claims.jti).await?)
}

/// The signature, header and claims of an access token, without asking the database;
/// a token verified before is taken from `seen`.
pub fn verify_signature(
    keys: &KeySet,
    seen: &VerifiedTokens,
    config: &Config,
    token: &str,
) -> Result<AccessClaims, AccessTokenError> {
    let now = crate::store::now();
    if let Some(claims) = seen.get(token, keys, now) {
        return Ok(claims);
    }
    let verified = keys
        .verify::<AccessClaims>(token, &config.issuer, &Expect::access_token(&config.access_token_audiences()))
        .map_err(|e| AccessTokenError::Invalid(e.to_string()))?;
    seen.insert(token, verified.kid, &verified.claims, now);
    Ok(verified.claims)
}

/// Whether the grant of verified `claims` still stands, and who its subject is, in one query.
pub async fn grant_and_subject(db: &Db, claims: &AccessClaims) -> Result<users::Model, AccessTokenError> {
    let (user, status) = grant_status::with_user(db, &claims.sub, claims.sid.as_deref(), &claims.jti)
        .await?
        .ok_or_else(|| AccessTokenError::Invalid("unknown subject".into()))?;
    standing(&status)?;
    Ok(user)
}

fn standing(status: &GrantStatus) -> Result<(), AccessTokenError> {
    if !status.session_active {
        return Err(AccessTokenError::Invalid("the session has ended".into()));
    }
    if status.revoked {
        return Err(AccessTokenError::Invalid("the token has been revoked".into()));
    }
    Ok(())
}
