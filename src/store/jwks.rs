//! Signing keys as stored: algorithm, status, private PKCS#8 and public JWK.

use entity::jwks::{self, Entity as Jwks};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::Expr};

use super::{StoreError, now};

#[derive(Clone)]
pub struct NewKey {
    pub kid: String,
    pub alg: String,
    pub status: String,
    pub private_der: Vec<u8>,
    pub public_jwk: String,
}

#[tracing::instrument(level = "debug", skip_all)]
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

/// A public key another service signed with, published as retired from `retired_at`
/// so tokens it issued keep verifying; it has no private part and never signs. Returns
/// false when the key is already stored.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_retired(
    db: &impl ConnectionTrait,
    kid: &str,
    alg: &str,
    public_jwk: String,
    created_at: i64,
    retired_at: i64,
) -> Result<bool, StoreError> {
    let row = jwks::ActiveModel {
        kid: Set(kid.to_owned()),
        alg: Set(alg.to_owned()),
        status: Set("retired".into()),
        private_der: Set(Vec::new()),
        public_jwk: Set(public_jwk),
        created_at: Set(created_at),
        activated_at: Set(None),
        retired_at: Set(Some(retired_at)),
    };
    super::insert_if_absent(db, row).await
}

/// Every published key (next, active, retired), oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn published(db: &impl ConnectionTrait) -> Result<Vec<jwks::Model>, StoreError> {
    Ok(Jwks::find()
        .filter(jwks::Column::Status.is_in(["next", "active", "retired"]))
        .order_by_asc(jwks::Column::CreatedAt)
        .all(db)
        .await?)
}

/// Every stored key of an algorithm's lifecycle, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<jwks::Model>, StoreError> {
    Ok(Jwks::find().order_by_asc(jwks::Column::CreatedAt).all(db).await?)
}

/// Makes `kid` the active key of `alg` and retires the keys that were active.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn promote(db: &impl ConnectionTrait, alg: &str, kid: &str) -> Result<(), StoreError> {
    let at = now();
    let promoted = Jwks::update_many()
        .col_expr(jwks::Column::Status, Expr::value("active"))
        .col_expr(jwks::Column::ActivatedAt, Expr::value(at))
        .filter(jwks::Column::Kid.eq(kid))
        .filter(jwks::Column::Status.eq("next"))
        .exec(db)
        .await?
        .rows_affected;
    // Promoted already, by another replica: nothing more to do.
    if promoted == 0 {
        return Ok(());
    }
    Jwks::update_many()
        .col_expr(jwks::Column::Status, Expr::value("retired"))
        .col_expr(jwks::Column::RetiredAt, Expr::value(at))
        .filter(jwks::Column::Alg.eq(alg))
        .filter(jwks::Column::Status.eq("active"))
        .filter(jwks::Column::Kid.ne(kid))
        .exec(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(db: &impl ConnectionTrait, kids: &[String]) -> Result<u64, StoreError> {
    Ok(Jwks::delete_many().filter(jwks::Column::Kid.is_in(kids.iter().cloned())).exec(db).await?.rows_affected)
}
