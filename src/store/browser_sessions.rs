//! Rows behind the browser session cookie.

use entity::browser_sessions::{self, Entity as BrowserSessions};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::OnConflict};

use super::{StoreError, now};

#[tracing::instrument(level = "debug", skip_all)]
pub async fn load(db: &impl ConnectionTrait, id: &str) -> Result<Option<String>, StoreError> {
    Ok(BrowserSessions::find_by_id(id.to_owned())
        .filter(browser_sessions::Column::ExpiresAt.gt(now()))
        .one(db)
        .await?
        .map(|row| row.data))
}

/// Inserts a new row; false when the id is taken.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &impl ConnectionTrait, id: &str, data: String, expires_at: i64) -> Result<bool, StoreError> {
    let row = browser_sessions::ActiveModel { id: Set(id.to_owned()), data: Set(data), expires_at: Set(expires_at) };
    match BrowserSessions::insert(row).exec_without_returning(db).await {
        Ok(_) => Ok(true),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save(db: &impl ConnectionTrait, id: &str, data: String, expires_at: i64) -> Result<(), StoreError> {
    let row = browser_sessions::ActiveModel { id: Set(id.to_owned()), data: Set(data), expires_at: Set(expires_at) };
    BrowserSessions::insert(row)
        .on_conflict(
            OnConflict::column(browser_sessions::Column::Id)
                .update_columns([browser_sessions::Column::Data, browser_sessions::Column::ExpiresAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    BrowserSessions::delete_by_id(id.to_owned()).exec(db).await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_expired(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    Ok(BrowserSessions::delete_many()
        .filter(browser_sessions::Column::ExpiresAt.lte(now()))
        .exec(db)
        .await?
        .rows_affected)
}
