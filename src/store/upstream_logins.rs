//! Sign-ins on their way through an upstream provider, between the redirect there and
//! the callback here: keyed by the digest of their `state`, taken once, before they expire.

use entity::upstream_logins::{self, Entity as Logins};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, claim_once, now};
use crate::security::opaque::digest;

pub struct NewLogin<'a> {
    pub state: &'a str,
    pub upstream_id: &'a str,
    pub user_id: Option<&'a str>,
    pub nonce: &'a str,
    pub code_verifier: &'a str,
    pub request_id: &'a str,
    pub ttl_secs: i64,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn begin(db: &impl ConnectionTrait, new: NewLogin<'_>) -> Result<(), StoreError> {
    let row = upstream_logins::ActiveModel {
        id: Set(digest(new.state)),
        upstream_id: Set(new.upstream_id.to_owned()),
        user_id: Set(new.user_id.map(str::to_owned)),
        nonce: Set(new.nonce.to_owned()),
        code_verifier: Set(new.code_verifier.to_owned()),
        request_id: Set(new.request_id.to_owned()),
        expires_at: Set(now() + new.ttl_secs),
        used_at: Set(None),
    };
    Logins::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// Takes the live sign-in `state` names, once: `None` when it is unknown, expired or
/// taken before. Of two concurrent calls one gets it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn finish(db: &impl ConnectionTrait, state: &str) -> Result<Option<upstream_logins::Model>, StoreError> {
    let at = now();
    let live = Condition::all()
        .add(upstream_logins::Column::Id.eq(digest(state)))
        .add(upstream_logins::Column::UsedAt.is_null())
        .add(upstream_logins::Column::ExpiresAt.gt(at));
    claim_once::<Logins>(db, live, upstream_logins::Column::UsedAt, at).await
}

/// Deletes finished and expired sign-ins; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let done = Condition::any()
        .add(upstream_logins::Column::UsedAt.is_not_null())
        .add(upstream_logins::Column::ExpiresAt.lte(now()));
    Ok(Logins::delete_many().filter(done).exec(db).await?.rows_affected)
}

/// Drops the sign-ins on their way through the upstream `upstream_id`, when it is deleted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all_at(db: &impl ConnectionTrait, upstream_id: &str) -> Result<u64, StoreError> {
    let at = upstream_logins::Column::UpstreamId.eq(upstream_id);
    Ok(Logins::delete_many().filter(at).exec(db).await?.rows_affected)
}
