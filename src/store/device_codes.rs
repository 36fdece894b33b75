//! Device authorization requests (RFC 8628): created for a device, decided by a signed-in
//! person who types the user code, polled by the device, and used once.

use entity::device_codes::{self, Entity as DeviceCodes};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{StoreError, claim_once, now};
use crate::security::opaque::digest;

pub struct NewDeviceCode<'a> {
    pub device_code: &'a str,
    pub user_code: &'a str,
    pub client_id: &'a str,
    pub scope: &'a str,
    pub interval_secs: i64,
    pub ttl_secs: i64,
}

/// Stores a new request; a user code already taken is a `Conflict`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &impl ConnectionTrait, new: NewDeviceCode<'_>) -> Result<(), StoreError> {
    let at = now();
    let row = device_codes::ActiveModel {
        id: Set(digest(new.device_code)),
        user_code: Set(new.user_code.to_owned()),
        client_id: Set(new.client_id.to_owned()),
        scope: Set(new.scope.to_owned()),
        status: Set("pending".into()),
        interval_secs: Set(new.interval_secs),
        last_polled_at: Set(None),
        user_id: Set(None),
        session_id: Set(None),
        created_at: Set(at),
        expires_at: Set(at + new.ttl_secs),
    };
    DeviceCodes::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// The request of `device_code`, whatever its state.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, device_code: &str) -> Result<Option<device_codes::Model>, StoreError> {
    Ok(DeviceCodes::find_by_id(digest(device_code)).one(db).await?)
}

fn undecided(user_code: &str) -> Condition {
    Condition::all()
        .add(device_codes::Column::UserCode.eq(user_code))
        .add(device_codes::Column::Status.eq("pending"))
        .add(device_codes::Column::ExpiresAt.gt(now()))
}

/// The undecided, unexpired request of `user_code`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_undecided(
    db: &impl ConnectionTrait,
    user_code: &str,
) -> Result<Option<device_codes::Model>, StoreError> {
    Ok(DeviceCodes::find().filter(undecided(user_code)).one(db).await?)
}

/// Approves (or denies) the undecided request of `user_code` for the user signed in by
/// `session_id`; false when it was decided already or has expired.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn decide(
    db: &impl ConnectionTrait,
    user_code: &str,
    approved: bool,
    user_id: &str,
    session_id: &str,
) -> Result<bool, StoreError> {
    let status = if approved { "approved" } else { "denied" };
    let decided = DeviceCodes::update_many()
        .col_expr(device_codes::Column::Status, Expr::value(status))
        .col_expr(device_codes::Column::UserId, Expr::value(user_id))
        .col_expr(device_codes::Column::SessionId, Expr::value(session_id))
        .filter(undecided(user_code))
        .exec(db)
        .await?;
    Ok(decided.rows_affected == 1)
}

/// Records a poll at `at`, with the interval the device must keep from now on.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn polled(db: &impl ConnectionTrait, id: &str, at: i64, interval_secs: i64) -> Result<(), StoreError> {
    DeviceCodes::update_many()
        .col_expr(device_codes::Column::LastPolledAt, Expr::value(at))
        .col_expr(device_codes::Column::IntervalSecs, Expr::value(interval_secs))
        .filter(device_codes::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Uses an approved request once; false when it was used already.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn consume(db: &impl ConnectionTrait, id: &str) -> Result<bool, StoreError> {
    let approved =
        Condition::all().add(device_codes::Column::Id.eq(id)).add(device_codes::Column::Status.eq("approved"));
    Ok(claim_once::<DeviceCodes>(db, approved, device_codes::Column::Status, "used").await?.is_some())
}

/// How long an expired request is kept, so that a device still polling is told
/// `expired_token` rather than that its code is unknown.
const EXPIRED_KEPT_SECS: i64 = 86_400;

/// Deletes requests expired a day ago; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let horizon = now() - EXPIRED_KEPT_SECS;
    Ok(DeviceCodes::delete_many().filter(device_codes::Column::ExpiresAt.lte(horizon)).exec(db).await?.rows_affected)
}
