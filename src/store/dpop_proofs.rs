//! The DPoP proofs seen (RFC 9449 §11.1): a proof is accepted once.

use entity::dpop_proofs::{self, Entity as DpopProofs};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, insert_if_absent, now};
use crate::security::opaque::digest;

/// Records the proof `jti` of the key `jkt` until `expires_at`; false when it was
/// recorded before. Of two requests with one proof at the same time, one records it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_once(db: &impl ConnectionTrait, jkt: &str, jti: &str, expires_at: i64) -> Result<bool, StoreError> {
    let row = dpop_proofs::ActiveModel { id: Set(digest(&format!("{jkt} {jti}"))), expires_at: Set(expires_at) };
    insert_if_absent(db, row).await
}

/// Deletes the proofs too old to be accepted again; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(DpopProofs::delete_many().filter(dpop_proofs::Column::ExpiresAt.lte(now())).exec(db).await?.rows_affected)
}
