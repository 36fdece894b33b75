//! Verifying an access token as this provider's own endpoints do: the signature check a
//! resource server does against the JWKS, plus what only the database knows — that the
//! session has not ended and the grant has not been revoked.

use sea_orm::ConnectionTrait;

use super::mint::AccessClaims;
use crate::{
    keys::{KeySet, keyset::Expect},
    store::{StoreError, auth_sessions, refresh},
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
    db: &impl ConnectionTrait,
    keys: &KeySet,
    issuer: &str,
    token: &str,
) -> Result<AccessClaims, AccessTokenError> {
    let (claims, _): (AccessClaims, _) = keys
        .verify(token, issuer, &Expect::access_token(issuer))
        .map_err(|e| AccessTokenError::Invalid(e.to_string()))?;
    if let Some(sid) = &claims.sid
        && auth_sessions::find_active(db, sid).await?.is_none()
    {
        return Err(AccessTokenError::Invalid("the session has ended".into()));
    }
    if refresh::access_token_revoked(db, &claims.jti).await? {
        return Err(AccessTokenError::Invalid("the token has been revoked".into()));
    }
    Ok(claims)
}
