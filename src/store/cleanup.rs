//! Deleting what has expired: browser sessions, signed-in sessions, codes, refresh
//! tokens, idempotency keys, used or expired mailed tokens, passkey ceremonies and
//! sign-ins through upstream providers, and security events past their retention. Run
//! by `mana-auth cleanup` and hourly inside `serve`.

use entity::{
    auth_sessions::{self, Entity as AuthSessions},
    authorization_codes::{self, Entity as Codes},
    refresh_tokens::{self, Entity as RefreshTokens},
};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{
    StoreError, browser_sessions, device_codes, dpop_proofs, idempotency, initial_access_tokens, job_runs,
    notifications, now, passkey_ceremonies, pushed_requests, security_events, upstream_logins, verification_tokens,
};
use crate::config::Config;

/// Used codes are kept a day past expiry, so a late replay still revokes what they issued.
const CODE_GRACE_SECS: i64 = 86_400;

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Swept {
    pub browser_sessions: u64,
    pub sessions: u64,
    pub codes: u64,
    pub refresh_tokens: u64,
    pub idempotency_keys: u64,
    pub security_events: u64,
    pub verification_tokens: u64,
    pub pushed_requests: u64,
    pub device_codes: u64,
    pub initial_access_tokens: u64,
    pub dpop_proofs: u64,
    pub job_runs: u64,
    pub notifications: u64,
    pub passkey_ceremonies: u64,
    pub upstream_logins: u64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sweep(db: &impl ConnectionTrait, config: &Config) -> Result<Swept, StoreError> {
    let at = now();
    let refresh_tokens =
        RefreshTokens::delete_many().filter(refresh_tokens::Column::ExpiresAt.lte(at)).exec(db).await?.rows_affected;
    let codes = Codes::delete_many()
        .filter(authorization_codes::Column::ExpiresAt.lte(at - CODE_GRACE_SECS))
        .exec(db)
        .await?
        .rows_affected;
    // An ended session answers like a missing one everywhere, so it can go at once.
    let ended = Condition::any()
        .add(auth_sessions::Column::ExpiresAt.lte(at))
        .add(auth_sessions::Column::RevokedAt.is_not_null());
    let sessions = AuthSessions::delete_many().filter(ended).exec(db).await?.rows_affected;
    Ok(Swept {
        browser_sessions: browser_sessions::delete_expired(db).await?,
        sessions,
        codes,
        refresh_tokens,
        idempotency_keys: idempotency::prune(db, config.credits.idempotency_ttl_secs).await?,
        security_events: security_events::prune(db, config.security.audit_retention_days).await?,
        verification_tokens: verification_tokens::prune(db).await?,
        pushed_requests: pushed_requests::prune(db).await?,
        device_codes: device_codes::prune(db).await?,
        initial_access_tokens: initial_access_tokens::prune(db).await?,
        dpop_proofs: dpop_proofs::prune(db).await?,
        job_runs: job_runs::prune(db).await?,
        notifications: notifications::prune(db).await?,
        passkey_ceremonies: passkey_ceremonies::prune(db).await?,
        upstream_logins: upstream_logins::prune(db).await?,
    })
}

/// Global sign-out, inside the caller's transaction: every signed-in session ends,
/// every refresh token is revoked and every browser session is forgotten. Returns the
/// sessions ended.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign_out_everyone(txn: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let at = now();
    let ended = AuthSessions::update_many()
        .col_expr(auth_sessions::Column::RevokedAt, Expr::value(at))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected;
    RefreshTokens::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(at))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(txn)
        .await?;
    entity::browser_sessions::Entity::delete_many().exec(txn).await?;
    Ok(ended)
}
