//! Pushed authorization requests (RFC 9126): stored under the digest of a secret that
//! only the `request_uri` holds, and redeemed once.

use entity::pushed_requests::{self, Entity as PushedRequests};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, claim_once, now};
use crate::security::opaque::{digest, random_token};

/// Stores the checked `request` (JSON) of `client_id` for `ttl_secs`; returns the secret.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn push(
    db: &impl ConnectionTrait,
    client_id: &str,
    request: String,
    ttl_secs: i64,
) -> Result<String, StoreError> {
    let secret = random_token(32);
    let at = now();
    let row = pushed_requests::ActiveModel {
        id: Set(digest(&secret)),
        client_id: Set(client_id.to_owned()),
        request: Set(request),
        created_at: Set(at),
        expires_at: Set(at + ttl_secs),
        used_at: Set(None),
    };
    PushedRequests::insert(row).exec_without_returning(db).await?;
    Ok(secret)
}

/// Redeems `secret` once for `client_id`: the request, or `None` when it is unknown, of
/// another client, expired or already used. Two concurrent redemptions: one wins.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn redeem(db: &impl ConnectionTrait, secret: &str, client_id: &str) -> Result<Option<String>, StoreError> {
    let id = digest(secret);
    let at = now();
    let live = Condition::all()
        .add(pushed_requests::Column::Id.eq(id.as_str()))
        .add(pushed_requests::Column::ClientId.eq(client_id))
        .add(pushed_requests::Column::UsedAt.is_null())
        .add(pushed_requests::Column::ExpiresAt.gt(at));
    Ok(claim_once::<PushedRequests>(db, live, pushed_requests::Column::UsedAt, at).await?.map(|row| row.request))
}

/// Deletes used and expired requests; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let done = Condition::any()
        .add(pushed_requests::Column::UsedAt.is_not_null())
        .add(pushed_requests::Column::ExpiresAt.lte(now()));
    Ok(PushedRequests::delete_many().filter(done).exec(db).await?.rows_affected)
}
