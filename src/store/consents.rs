//! Remembered consent: which scopes a user granted a client.

use entity::consents::{self, Entity as Consents};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, sea_query::OnConflict,
};

use super::{StoreError, now};

/// Whether the user already granted the client every scope in `scopes`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn covers(
    db: &impl ConnectionTrait,
    user_id: &str,
    client_id: &str,
    scopes: &[&str],
) -> Result<bool, StoreError> {
    let Some(consent) = Consents::find_by_id((user_id.to_owned(), client_id.to_owned())).one(db).await? else {
        return Ok(false);
    };
    let granted: Vec<&str> = consent.scope.split(' ').collect();
    Ok(scopes.iter().all(|s| granted.contains(s)))
}

/// Records the grant, widening any earlier one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn grant(
    db: &impl ConnectionTrait,
    user_id: &str,
    client_id: &str,
    scopes: &[&str],
) -> Result<(), StoreError> {
    let mut all: Vec<String> = match Consents::find_by_id((user_id.to_owned(), client_id.to_owned())).one(db).await? {
        Some(existing) => existing.scope.split(' ').filter(|s| !s.is_empty()).map(str::to_owned).collect(),
        None => Vec::new(),
    };
    all.extend(scopes.iter().map(|s| (*s).to_owned()));
    all.sort();
    all.dedup();
    let row = consents::ActiveModel {
        user_id: Set(user_id.to_owned()),
        client_id: Set(client_id.to_owned()),
        scope: Set(all.join(" ")),
        granted_at: Set(now()),
    };
    Consents::insert(row)
        .on_conflict(
            OnConflict::columns([consents::Column::UserId, consents::Column::ClientId])
                .update_columns([consents::Column::Scope, consents::Column::GrantedAt])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Forgets every consent the user gave.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    Consents::delete_many().filter(consents::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

/// Every consent the user gave, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<consents::Model>, StoreError> {
    Ok(Consents::find()
        .filter(consents::Column::UserId.eq(user_id))
        .order_by_asc(consents::Column::GrantedAt)
        .order_by_asc(consents::Column::ClientId)
        .all(db)
        .await?)
}

/// Forgets the user's consent to one client; returns whether there was one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(db: &impl ConnectionTrait, user_id: &str, client_id: &str) -> Result<bool, StoreError> {
    let removed = Consents::delete_by_id((user_id.to_owned(), client_id.to_owned())).exec(db).await?;
    Ok(removed.rows_affected > 0)
}

/// Forgets every consent given to the client.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all_of_client(db: &impl ConnectionTrait, client_id: &str) -> Result<(), StoreError> {
    Consents::delete_many().filter(consents::Column::ClientId.eq(client_id)).exec(db).await?;
    Ok(())
}
