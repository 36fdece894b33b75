//! TOTP credentials and recovery codes.

use entity::{
    recovery_codes::{self, Entity as RecoveryCodes},
    totp_credentials::{self, Entity as TotpCredentials},
};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{StoreError, now};
use crate::security::opaque::digest;

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, user_id: &str) -> Result<Option<totp_credentials::Model>, StoreError> {
    Ok(TotpCredentials::find_by_id(user_id.to_owned()).one(db).await?)
}

/// Every TOTP credential, confirmed or not: for `mana-auth doctor`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all(db: &impl ConnectionTrait) -> Result<Vec<totp_credentials::Model>, StoreError> {
    Ok(TotpCredentials::find().all(db).await?)
}

/// Whether the user has a confirmed second factor.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn enabled(db: &impl ConnectionTrait, user_id: &str) -> Result<bool, StoreError> {
    Ok(find(db, user_id).await?.is_some_and(|c| c.confirmed_at.is_some()))
}

/// Stores an unconfirmed secret, replacing an earlier unconfirmed one; a confirmed one
/// stays and `false` is returned.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn put_pending(db: &impl ConnectionTrait, user_id: &str, sealed_secret: Vec<u8>) -> Result<bool, StoreError> {
    TotpCredentials::delete_many()
        .filter(totp_credentials::Column::UserId.eq(user_id))
        .filter(totp_credentials::Column::ConfirmedAt.is_null())
        .exec(db)
        .await?;
    let row = totp_credentials::ActiveModel {
        user_id: Set(user_id.to_owned()),
        sealed_secret: Set(sealed_secret),
        created_at: Set(now()),
        confirmed_at: Set(None),
        last_step: Set(0),
    };
    match TotpCredentials::insert(row).exec_without_returning(db).await {
        Ok(_) => Ok(true),
        Err(err) => match StoreError::from(err) {
            StoreError::Conflict(_) => Ok(false),
            other => Err(other),
        },
    }
}

/// Records that a code of `step` was accepted; `false` when that step (or a later one)
/// was used already, so each code works once even under concurrent use.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn use_step(db: &impl ConnectionTrait, user_id: &str, step: i64) -> Result<bool, StoreError> {
    Ok(TotpCredentials::update_many()
        .col_expr(totp_credentials::Column::LastStep, Expr::value(step))
        .filter(totp_credentials::Column::UserId.eq(user_id))
        .filter(totp_credentials::Column::LastStep.lt(step))
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn confirm(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    TotpCredentials::update_many()
        .col_expr(totp_credentials::Column::ConfirmedAt, Expr::value(now()))
        .filter(totp_credentials::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces the user's recovery codes with `codes` (stored as digests).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    user_id: &str,
    codes: &[String],
) -> Result<(), StoreError> {
    RecoveryCodes::delete_many().filter(recovery_codes::Column::UserId.eq(user_id)).exec(db).await?;
    let at = now();
    let rows = codes.iter().map(|code| recovery_codes::ActiveModel {
        id: Set(digest(code)),
        user_id: Set(user_id.to_owned()),
        created_at: Set(at),
        used_at: Set(None),
    });
    RecoveryCodes::insert_many(rows).exec_without_returning(db).await?;
    Ok(())
}

/// Uses one recovery code of the user, once.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn use_recovery_code(db: &impl ConnectionTrait, user_id: &str, code: &str) -> Result<bool, StoreError> {
    Ok(RecoveryCodes::update_many()
        .col_expr(recovery_codes::Column::UsedAt, Expr::value(now()))
        .filter(recovery_codes::Column::Id.eq(digest(code)))
        .filter(recovery_codes::Column::UserId.eq(user_id))
        .filter(recovery_codes::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        == 1)
}

/// Removes the second factor and its recovery codes.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    RecoveryCodes::delete_many().filter(recovery_codes::Column::UserId.eq(user_id)).exec(db).await?;
    TotpCredentials::delete_many().filter(totp_credentials::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

/// Removes every second factor; returns how many users had one.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    RecoveryCodes::delete_many().exec(db).await?;
    Ok(TotpCredentials::delete_many().exec(db).await?.rows_affected)
}
