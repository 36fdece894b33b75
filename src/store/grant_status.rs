//! Whether the grant behind an access token still stands — its session active (and
//! when it was last used), its refresh-token family not revoked — asked in one query,
//! optionally together with the token's subject.

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
    pub session: SessionState,
    /// True when the refresh-token family issued with the token has been revoked.
    pub revoked: bool,
}

/// The session a token was issued under.
pub enum SessionState {
    /// The token names none (client credentials).
    Unbound,
    Ended,
    Active {
        last_used_at: i64,
    },
}

const SESSION_LAST_USED: &str = "grant_session_last_used";
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
        query.expr_as(session_last_used(sid), SESSION_LAST_USED);
    }
}

/// The status from a row selected `with_status`.
fn read_status(row: &QueryResult, sid: Option<&str>) -> Result<GrantStatus, StoreError> {
    let session = match sid {
        None => SessionState::Unbound,
        Some(_) => match row.try_get::<Option<i64>>("", SESSION_LAST_USED)? {
            Some(last_used_at) => SessionState::Active { last_used_at },
            None => SessionState::Ended,
        },
    };
    Ok(GrantStatus { session, revoked: row.try_get("", REVOKED)? })
}

/// When the session was last used; NULL when it has ended or expired.
fn session_last_used(sid: &str) -> SimpleExpr {
    Query::select()
        .column(auth_sessions::Column::LastUsedAt)
        .from(AuthSessions)
        .and_where(auth_sessions::Column::Id.eq(sid))
        .and_where(auth_sessions::Column::RevokedAt.is_null())
        .and_where(auth_sessions::Column::ExpiresAt.gt(now()))
        .to_owned()
        .into()
}

fn revoked(jti: &str) -> SimpleExpr {
    exists_in(
        RefreshTokens,
        Condition::all()
            .add(refresh_tokens::Column::AccessJti.eq(jti))
            .add(refresh_tokens::Column::RevokedAt.is_not_null()),
    )
}
