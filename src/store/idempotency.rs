//! Idempotency keys: a request's key, its body digest and the answer it got, per user.

use entity::idempotency_keys::{self, Entity as Keys};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, OnConflict},
};

use super::{StoreError, now};

/// Claims `key` for this request inside the caller's transaction. False when the key is
/// already taken, and then the transaction goes on; a concurrent claim waits here
/// until the first one commits.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim(
    db: &impl ConnectionTrait,
    user_id: &str,
    key: &str,
    request_hash: &str,
) -> Result<bool, StoreError> {
    let row = idempotency_keys::ActiveModel {
        user_id: Set(user_id.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(request_hash.to_owned()),
        status: Set(0),
        response: Set(String::new()),
        created_at: Set(now()),
    };
    // DO NOTHING rather than a unique violation, which would end a PostgreSQL transaction.
    let taken =
        OnConflict::columns([idempotency_keys::Column::UserId, idempotency_keys::Column::Key]).do_nothing().to_owned();
    Ok(Keys::insert(row).on_conflict(taken).exec_without_returning(db).await? == 1)
}

/// Records the answer of a claimed key, before the transaction commits.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn answer(
    db: &impl ConnectionTrait,
    user_id: &str,
    key: &str,
    status: u16,
    response: &str,
) -> Result<(), StoreError> {
    Keys::update_many()
        .col_expr(idempotency_keys::Column::Status, Expr::value(i32::from(status)))
        .col_expr(idempotency_keys::Column::Response, Expr::value(response))
        .filter(idempotency_keys::Column::UserId.eq(user_id))
        .filter(idempotency_keys::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(
    db: &impl ConnectionTrait,
    user_id: &str,
    key: &str,
) -> Result<Option<idempotency_keys::Model>, StoreError> {
    Ok(Keys::find_by_id((user_id.to_owned(), key.to_owned())).one(db).await?)
}

/// Forgets keys older than `max_age_secs`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait, max_age_secs: i64) -> Result<u64, StoreError> {
    Ok(Keys::delete_many()
        .filter(idempotency_keys::Column::CreatedAt.lt(now() - max_age_secs))
        .exec(db)
        .await?
        .rows_affected)
}
