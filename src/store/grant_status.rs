//! Whether the grant behind an access token still stands — its session active, its
//! refresh-token family not revoked — asked in one query, optionally together with
//! the token's subject.

use entity::{
    auth_sessions::{self, Entity as AuthSessions},
    refresh_tokens::{self, Entity as RefreshTokens},
    users::{self, Entity as Users},
};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, QuerySelect, QueryTrait,
    sea_query::{Query, SelectStatement, SimpleExpr},
};

use super::{
    StoreError,
    db::Db,
    exists_in, now,
    row::{Decode, StoreRow},
};

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
pub async fn of(db: &Db, sid: Option<&str>, jti: &str) -> Result<GrantStatus, StoreError> {
    let mut query = Query::select();
    with_status(&mut query, sid, jti);
    db.read_one(&query, Status { sid }).await?.ok_or_else(|| StoreError::Corrupt("grant status: no row".into()))
}

/// The user `user_id` with the status of the grant, in one query; `None` for an unknown user.
pub async fn with_user(
    db: &Db,
    user_id: &str,
    sid: Option<&str>,
    jti: &str,
) -> Result<Option<(users::Model, GrantStatus)>, StoreError> {
    let mut query = Users::find_by_id(user_id.to_owned()).limit(1).into_query();
    with_status(&mut query, sid, jti);
    db.read_one(&query, UserAndStatus { sid }).await
}

fn with_status(query: &mut SelectStatement, sid: Option<&str>, jti: &str) {
    query.expr_as(revoked(jti), REVOKED);
    if let Some(sid) = sid {
        query.expr_as(session_active(sid), SESSION_ACTIVE);
    }
}

/// Reads the status from a row of `with_status`.
struct Status<'a> {
    sid: Option<&'a str>,
}

impl Decode for Status<'_> {
    type Output = GrantStatus;

    fn decode(self, row: &impl StoreRow) -> Result<GrantStatus, StoreError> {
        Ok(GrantStatus { session_active: self.sid.is_none() || row.flag(SESSION_ACTIVE)?, revoked: row.flag(REVOKED)? })
    }
}

/// Reads the user and the status from a row of a user selected `with_status`.
struct UserAndStatus<'a> {
    sid: Option<&'a str>,
}

impl Decode for UserAndStatus<'_> {
    type Output = (users::Model, GrantStatus);

    fn decode(self, row: &impl StoreRow) -> Result<Self::Output, StoreError> {
        Ok((row.model("")?, Status { sid: self.sid }.decode(row)?))
    }
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
