//! Whether the grant behind an access token still stands — its session active, its
//! refresh-token family not revoked — asked in one query, optionally together with
//! the token's subject.

use entity::{
    auth_sessions::{self, Entity as AuthSessions},
    refresh_tokens::{self, Entity as RefreshTokens},
    users::{self, Entity as Users},
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, QueryResult, QueryTrait,
    sea_query::{Query, SelectStatement, SimpleExpr},
};

use super::{StoreError, exists_in, now};

/// What the database says of an access token's grant.
pub struct GrantStatus {
    /// False when the token names a session that has ended or expired.
    pub session_active: bool,
    /// True when the refresh-token family issued with the token has been revoked.
    pub revoked: bool,
}

const SESSION_ACTIVE: &str = "grant_session_active";
const REVOKED: &str = "grant_revoked";

/// The status of the grant of the access token `jti`, issued under session `sid` if any.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of(db: &impl ConnectionTrait, sid: Option<&str>, jti: &str) -> Result<GrantStatus, StoreError> {
    let mut query = Query::select();
    with_status(&mut query, sid, jti);
    let row = db.query_one(&query).await?.ok_or_else(|| StoreError::Corrupt("grant status: no row".into()))?;
    read_status(&row, sid)
}

/// The user `user_id` with the status of the grant, in one query; `None` for an unknown
/// user. The id is the key, so the query has no LIMIT.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn with_user(
    db: &impl ConnectionTrait,
    user_id: &str,
    sid: Option<&str>,
    jti: &str,
) -> Result<Option<(users::Model, GrantStatus)>, StoreError> {
    let mut query = Users::find_by_id(user_id.to_owned()).into_query();
    with_status(&mut query, sid, jti);
    let Some(row) = db.query_one(&query).await? else { return Ok(None) };
    Ok(Some((users::Model::from_query_result(&row, "")?, read_status(&row, sid)?)))
}

fn with_status(query: &mut SelectStatement, sid: Option<&str>, jti: &str) {
    query.expr_as(revoked(jti), REVOKED);
    if let Some(sid) = sid {
        query.expr_as(session_active(sid), SESSION_ACTIVE);
    }
}

/// The status from a row selected `with_status`.
fn read_status(row: &QueryResult, sid: Option<&str>) -> Result<GrantStatus, StoreError> {
    let session_active = sid.is_none() || row.try_get::<bool>("", SESSION_ACTIVE)?;
    Ok(GrantStatus { session_active, revoked: row.try_get("", REVOKED)? })
}

fn session_active(sid: &str) -> SimpleExpr {
    exists_in(
        AuthSessions,
        Condition::all()
            .add(auth_sessions::Column::Id.eq(sid))
            .add(auth_sessions::Column::RevokedAt.is_null())
            .add(auth_sessions::Column::ExpiresAt.gt(now())),
    )
}

fn revoked(jti: &str) -> SimpleExpr {
    exists_in(
        RefreshTokens,
        Condition::all()
            .add(refresh_tokens::Column::AccessJti.eq(jti))
            .add(refresh_tokens::Column::RevokedAt.is_not_null()),
    )
}
