//! Sign-in providers added on the admin pages; those of the configuration file are
//! never stored.

use entity::upstreams::{self, Entity as Upstreams};
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder,
};

use super::StoreError;

/// Every stored provider, oldest first: the order of their buttons.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<upstreams::Model>, StoreError> {
    Ok(Upstreams::find().order_by_asc(upstreams::Column::CreatedAt).order_by_asc(upstreams::Column::Id).all(db).await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<upstreams::Model>, StoreError> {
    Ok(Upstreams::find_by_id(id).one(db).await?)
}

/// Stores a new provider; one with its id already stored is a `Conflict`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(db: &impl ConnectionTrait, row: upstreams::Model) -> Result<(), StoreError> {
    Upstreams::insert(row.into_active_model()).exec_without_returning(db).await?;
    Ok(())
}

/// Replaces the settings of the stored provider `row.id`, keeping when it was created;
/// false when there is none.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replace(db: &impl ConnectionTrait, row: upstreams::Model) -> Result<bool, StoreError> {
    let id = row.id.clone();
    // Every column written but the key and the creation time.
    let mut changed = row.into_active_model().reset_all();
    changed.id = NotSet;
    changed.created_at = NotSet;
    let updated = Upstreams::update_many().set(changed).filter(upstreams::Column::Id.eq(id)).exec(db).await?;
    Ok(updated.rows_affected > 0)
}

/// Deletes the stored provider `id`; false when there is none.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(db: &impl ConnectionTrait, id: &str) -> Result<bool, StoreError> {
    Ok(Upstreams::delete_by_id(id).exec(db).await?.rows_affected > 0)
}
