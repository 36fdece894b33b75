//! Signed-in sessions: the `sid` of every token issued under them.

use entity::auth_sessions::{self, Entity as AuthSessions};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};

use super::{StoreError, now, refresh};
use crate::{config::SessionsConfig, security::opaque::new_id};

/// How long a session lives: `idle` seconds without use, and never more than `max`
/// seconds after its sign-in.
#[derive(Clone, Copy, Debug)]
pub struct Lifetime {
    pub idle: i64,
    pub max: i64,
}

impl Lifetime {
    pub fn of(config: &SessionsConfig) -> Self {
        Self { idle: config.idle_ttl_secs, max: config.max_ttl_secs }
    }

    /// The end of a session signed in at `signed_in` and last used at `used`.
    pub fn end(&self, signed_in: i64, used: i64) -> i64 {
        std::cmp::min(used.saturating_add(self.idle), signed_in.saturating_add(self.max))
    }
}

pub struct NewSession {
    pub user_id: String,
    pub lifetime: Lifetime,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    /// Space-separated RFC 8176 methods (`security::amr`).
    pub amr: &'static str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &impl ConnectionTrait, new: NewSession) -> Result<auth_sessions::Model, StoreError> {
    let at = now();
    let session = auth_sessions::ActiveModel {
        id: Set(new_id()),
        user_id: Set(new.user_id),
        auth_time: Set(at),
        created_at: Set(at),
        last_used_at: Set(at),
        expires_at: Set(new.lifetime.end(at, at)),
        revoked_at: Set(None),
        user_agent: Set(new.user_agent),
        ip: Set(new.ip),
        device_id: Set(new.device_id),
        device_name: Set(new.device_name),
        amr: Set(new.amr.to_owned()),
    };
    Ok(AuthSessions::insert(session).exec_with_returning(db).await?)
}

/// The session if it exists, is not revoked and has not expired.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_active(db: &impl ConnectionTrait, id: &str) -> Result<Option<auth_sessions::Model>, StoreError> {
    Ok(AuthSessions::find_by_id(id.to_owned())
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .filter(auth_sessions::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?)
}

/// Whether `session` is neither revoked nor expired at `at`; what `find_active` asks in SQL.
pub fn is_active(session: &auth_sessions::Model, at: i64) -> bool {
    session.revoked_at.is_none() && session.expires_at > at
}

/// Ends a session; returns whether it was still active.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(db: &impl ConnectionTrait, id: &str) -> Result<bool, StoreError> {
    let result = AuthSessions::update_many()
        .col_expr(auth_sessions::Column::RevokedAt, Expr::value(now()))
        .filter(auth_sessions::Column::Id.eq(id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// The user's sessions that are still active, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list_active(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<auth_sessions::Model>, StoreError> {
    Ok(AuthSessions::find()
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .filter(auth_sessions::Column::ExpiresAt.gt(now()))
        .order_by_desc(auth_sessions::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Ends a session and revokes its refresh tokens, inside the caller's transaction;
/// returns whether it was active.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end(db: &impl ConnectionTrait, id: &str) -> Result<bool, StoreError> {
    let ended = revoke(db, id).await?;
    refresh::revoke_session(db, id).await?;
    Ok(ended)
}

/// Ends every active session of a user but `keep`, inside the caller's transaction;
/// returns the ended ids.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_all_except(
    db: &impl ConnectionTrait,
    user_id: &str,
    keep: Option<&str>,
) -> Result<Vec<String>, StoreError> {
    let ids: Vec<String> =
        list_active(db, user_id).await?.into_iter().map(|s| s.id).filter(|id| Some(id.as_str()) != keep).collect();
    for id in &ids {
        end(db, id).await?;
    }
    Ok(ids)
}

/// How stale `last_used_at` may grow before a use writes it again: the session list
/// shows it to the minute, and most uses then write nothing to the session.
pub const LAST_USED_STEP_SECS: i64 = 60;

/// Records a use of the active session `id`, last used at `last_used_at`: its end moves
/// forward by `lifetime`, written at most once a minute.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn keep_alive(
    db: &impl ConnectionTrait,
    id: &str,
    last_used_at: i64,
    lifetime: Lifetime,
) -> Result<(), StoreError> {
    let at = now();
    if last_used_at > at - LAST_USED_STEP_SECS {
        return Ok(());
    }
    // The end is computed in the statement: the sign-in time is in the row.
    let max_end = Expr::col(auth_sessions::Column::CreatedAt).add(lifetime.max);
    let idle_end = at.saturating_add(lifetime.idle);
    let end = Expr::case(max_end.clone().lt(idle_end), max_end).finally(idle_end);
    AuthSessions::update_many()
        .col_expr(auth_sessions::Column::LastUsedAt, Expr::value(at))
        .col_expr(auth_sessions::Column::ExpiresAt, end.into())
        .filter(auth_sessions::Column::Id.eq(id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .filter(auth_sessions::Column::ExpiresAt.gt(at))
        .exec(db)
        .await?;
    Ok(())
}

/// Forgets where the user's sessions came from: device names and ids, user agents, addresses.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forget_devices(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    let none = || Expr::value(Option::<String>::None);
    AuthSessions::update_many()
        .col_expr(auth_sessions::Column::UserAgent, none())
        .col_expr(auth_sessions::Column::Ip, none())
        .col_expr(auth_sessions::Column::DeviceId, none())
        .col_expr(auth_sessions::Column::DeviceName, none())
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every session of a user and revokes every refresh token they hold, inside the
/// caller's transaction; returns the sessions ended.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_all_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<u64, StoreError> {
    let ended = AuthSessions::update_many()
        .col_expr(auth_sessions::Column::RevokedAt, Expr::value(now()))
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected;
    refresh::revoke_user(db, user_id).await?;
    Ok(ended)
}
