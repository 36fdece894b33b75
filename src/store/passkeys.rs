//! Passkeys: the user handle of each account that has one, and its credentials.

use entity::{
    passkey_users::{self, Entity as PasskeyUsers},
    passkeys::{self, Entity as Passkeys},
};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};

use super::{StoreError, insert_if_absent, now};
use crate::security::opaque::new_id;

/// A credential a registration ceremony verified, to be stored for `user_id`.
pub struct NewPasskey {
    pub user_id: String,
    pub credential_id: String,
    pub name: String,
    pub credential: String,
    pub sign_count: i64,
    pub backup_eligible: bool,
}

/// The user handle of `user_id`, made the first time it is asked for; `fresh` is used
/// then, and a concurrent first call's handle wins over it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn handle_of(db: &impl ConnectionTrait, user_id: &str, fresh: String) -> Result<String, StoreError> {
    let row = passkey_users::ActiveModel { user_id: Set(user_id.to_owned()), handle: Set(fresh) };
    insert_if_absent(db, row).await?;
    let stored = PasskeyUsers::find_by_id(user_id.to_owned()).one(db).await?;
    stored.map(|row| row.handle).ok_or_else(|| StoreError::Corrupt(format!("no passkey handle for {user_id}")))
}

/// The account a user handle belongs to.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn user_of_handle(db: &impl ConnectionTrait, handle: &str) -> Result<Option<String>, StoreError> {
    let row = PasskeyUsers::find().filter(passkey_users::Column::Handle.eq(handle)).one(db).await?;
    Ok(row.map(|row| row.user_id))
}

/// Stores a new passkey; a credential id stored before is a `Conflict`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add(db: &impl ConnectionTrait, new: NewPasskey) -> Result<passkeys::Model, StoreError> {
    let row = passkeys::Model {
        id: new_id(),
        user_id: new.user_id,
        credential_id: new.credential_id,
        name: new.name,
        credential: new.credential,
        sign_count: new.sign_count,
        backup_eligible: new.backup_eligible,
        created_at: now(),
        last_used_at: None,
    };
    Passkeys::insert(passkeys::ActiveModel::from(row.clone())).exec_without_returning(db).await?;
    Ok(row)
}

/// The user's passkeys, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<passkeys::Model>, StoreError> {
    Ok(Passkeys::find()
        .filter(passkeys::Column::UserId.eq(user_id))
        .order_by_asc(passkeys::Column::CreatedAt)
        .order_by_asc(passkeys::Column::Id)
        .all(db)
        .await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<u64, StoreError> {
    Ok(Passkeys::find().filter(passkeys::Column::UserId.eq(user_id)).count(db).await?)
}

/// The passkey with this credential id (base64url), whoever holds it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_credential(
    db: &impl ConnectionTrait,
    credential_id: &str,
) -> Result<Option<passkeys::Model>, StoreError> {
    Ok(Passkeys::find().filter(passkeys::Column::CredentialId.eq(credential_id)).one(db).await?)
}

fn owned(user_id: &str, id: &str) -> Condition {
    Condition::all().add(passkeys::Column::Id.eq(id)).add(passkeys::Column::UserId.eq(user_id))
}

/// Renames one of the user's passkeys; `None` when the user has none with that id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rename(
    db: &impl ConnectionTrait,
    user_id: &str,
    id: &str,
    name: &str,
) -> Result<Option<passkeys::Model>, StoreError> {
    let updated =
        Passkeys::update_many().col_expr(passkeys::Column::Name, Expr::value(name)).filter(owned(user_id, id));
    Ok(updated.exec_with_returning(db).await?.into_iter().next())
}

/// Removes one of the user's passkeys; `false` when the user has none with that id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(db: &impl ConnectionTrait, user_id: &str, id: &str) -> Result<bool, StoreError> {
    Ok(Passkeys::delete_many().filter(owned(user_id, id)).exec(db).await?.rows_affected == 1)
}

/// Records a sign-in with the passkey: its new counter and state, when the counter
/// moved forward (or both are 0, for authenticators without one). `false` when another
/// sign-in stored a counter as high or higher in the meantime: a cloned authenticator.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn record_use(
    db: &impl ConnectionTrait,
    id: &str,
    sign_count: i64,
    credential: String,
) -> Result<bool, StoreError> {
    let forward =
        if sign_count == 0 { passkeys::Column::SignCount.eq(0) } else { passkeys::Column::SignCount.lt(sign_count) };
    let updated = Passkeys::update_many()
        .col_expr(passkeys::Column::SignCount, Expr::value(sign_count))
        .col_expr(passkeys::Column::Credential, Expr::value(credential))
        .col_expr(passkeys::Column::LastUsedAt, Expr::value(now()))
        .filter(passkeys::Column::Id.eq(id))
        .filter(forward);
    Ok(updated.exec(db).await?.rows_affected == 1)
}

/// Deletes the user's passkeys and handle.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    Passkeys::delete_many().filter(passkeys::Column::UserId.eq(user_id)).exec(db).await?;
    PasskeyUsers::delete_many().filter(passkey_users::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}
