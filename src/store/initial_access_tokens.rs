//! Initial access tokens (RFC 7591 §3): each lets someone register one client while
//! registration is by token.

use entity::initial_access_tokens::{self, Entity as InitialAccessTokens};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, claim_once, now};
use crate::security::opaque::{digest, new_secret};

/// Stores a new token valid `ttl_secs`; returns it (only its digest is kept).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn issue(db: &impl ConnectionTrait, ttl_secs: i64) -> Result<String, StoreError> {
    let token = new_secret();
    let at = now();
    let row = initial_access_tokens::ActiveModel {
        id: Set(digest(&token)),
        created_at: Set(at),
        expires_at: Set(at + ttl_secs),
        used_at: Set(None),
    };
    InitialAccessTokens::insert(row).exec_without_returning(db).await?;
    Ok(token)
}

/// Uses `token` once; false when it is unknown, expired or used.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn redeem(db: &impl ConnectionTrait, token: &str) -> Result<bool, StoreError> {
    let at = now();
    let live = Condition::all()
        .add(initial_access_tokens::Column::Id.eq(digest(token)))
        .add(initial_access_tokens::Column::UsedAt.is_null())
        .add(initial_access_tokens::Column::ExpiresAt.gt(at));
    Ok(claim_once::<InitialAccessTokens>(db, live, initial_access_tokens::Column::UsedAt, at).await?.is_some())
}

/// Deletes used and expired tokens; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let done = Condition::any()
        .add(initial_access_tokens::Column::UsedAt.is_not_null())
        .add(initial_access_tokens::Column::ExpiresAt.lte(now()));
    Ok(InitialAccessTokens::delete_many().filter(done).exec(db).await?.rows_affected)
}
