//! Signing keys as stored: algorithm, status, private PKCS#8 and public JWK.

use entity::jwks::{self, Entity as Jwks};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use super::{StoreError, now};

pub struct NewKey {
    pub kid: String,
    pub alg: String,
    pub status: String,
    pub private_der: Vec<u8>,
    pub public_jwk: String,
}

pub async fn insert(db: &impl ConnectionTrait, key: NewKey) -> Result<(), StoreError> {
    let at = now();
    let active = key.status == "active";
    let row = jwks::ActiveModel {
        kid: Set(key.kid),
        alg: Set(key.alg),
        status: Set(key.status),
        private_der: Set(key.private_der),
        public_jwk: Set(key.public_jwk),
        created_at: Set(at),
        activated_at: Set(active.then_some(at)),
        retired_at: Set(None),
    };
    Jwks::insert(row).exec_without_returning(db).await?;
    Ok(())
}

/// Every published key (next, active, retired), oldest first.
pub async fn published(db: &impl ConnectionTrait) -> Result<Vec<jwks::Model>, StoreError> {
    Ok(Jwks::find()
        .filter(jwks::Column::Status.is_in(["next", "active", "retired"]))
        .order_by_asc(jwks::Column::CreatedAt)
        .all(db)
        .await?)
}
