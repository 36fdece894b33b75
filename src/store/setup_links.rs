//! One-time links that create the first administrator: issued as a secret, stored as
//! its digest, used once before they expire.

use entity::setup_links::{self, Entity as SetupLinks};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, claim_once, now};
use crate::security::opaque::{digest, new_secret};

/// What a presented link is.
#[derive(Debug, PartialEq, Eq)]
pub enum Link {
    /// Unknown, or expired unused: as if there were none.
    Unknown,
    Live,
    Used,
}

/// Issues a link valid `ttl_secs`; links issued before and not used stop working.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn issue(db: &impl ConnectionTrait, ttl_secs: i64) -> Result<String, StoreError> {
    SetupLinks::delete_many().filter(setup_links::Column::UsedAt.is_null()).exec(db).await?;
    let secret = new_secret();
    let at = now();
    let row = setup_links::ActiveModel {
        id: Set(digest(&secret)),
        created_at: Set(at),
        expires_at: Set(at + ttl_secs),
        used_at: Set(None),
    };
    SetupLinks::insert(row).exec_without_returning(db).await?;
    Ok(secret)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, secret: &str) -> Result<Link, StoreError> {
    Ok(match SetupLinks::find_by_id(digest(secret)).one(db).await? {
        Some(row) if row.used_at.is_some() => Link::Used,
        Some(row) if row.expires_at > now() => Link::Live,
        _ => Link::Unknown,
    })
}

/// Uses the live link `secret`, once: of two concurrent uses one wins.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn redeem(db: &impl ConnectionTrait, secret: &str) -> Result<bool, StoreError> {
    let at = now();
    let live = Condition::all()
        .add(setup_links::Column::Id.eq(digest(secret)))
        .add(setup_links::Column::UsedAt.is_null())
        .add(setup_links::Column::ExpiresAt.gt(at));
    Ok(claim_once::<SetupLinks>(db, live, setup_links::Column::UsedAt, at).await?.is_some())
}
