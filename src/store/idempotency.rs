//! Idempotency keys: a request's key, its body digest and the answer it got, per user.

use entity::idempotency_keys::{self, Entity as Keys};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict};

use super::{StoreError, now};

/// Records the answer a request with `key` got, inside the caller's transaction, unless
/// the key was recorded before: then false, and the caller undoes its transaction and
/// answers what was recorded. The caller holds a lock that orders the user's requests
/// (the wallets, see `ledger::take_wallets`), so a key recorded by a concurrent request
/// is committed, and seen, by the time this one records.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record(
    db: &impl ConnectionTrait,
    user_id: &str,
    key: &str,
    answer: Answer<'_>,
) -> Result<bool, StoreError> {
    let row = idempotency_keys::ActiveModel {
        user_id: Set(user_id.to_owned()),
        key: Set(key.to_owned()),
        request_hash: Set(answer.request_hash.to_owned()),
        status: Set(i32::from(answer.status)),
        response: Set(answer.response.to_owned()),
        created_at: Set(now()),
    };
    // DO NOTHING rather than a unique violation, which would end a PostgreSQL transaction.
    let taken =
        OnConflict::columns([idempotency_keys::Column::UserId, idempotency_keys::Column::Key]).do_nothing().to_owned();
    Ok(Keys::insert(row).on_conflict(taken).exec_without_returning(db).await? == 1)
}

/// What a request with an idempotency key was answered.
pub struct Answer<'a> {
    /// The digest of the request's body: the same key with another body is refused.
    pub request_hash: &'a str,
    pub status: u16,
    pub response: &'a str,
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
