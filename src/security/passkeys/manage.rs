//! Renaming and removing an account's passkeys.

use entity::{passkeys::Model as PasskeyRow, users};
use serde_json::json;

use super::PasskeyError;
use crate::{
    security::{
        audit::{Event, Kind},
        client::ClientInfo,
        context::Security,
        passwords::NO_PASSWORD,
    },
    store::passkeys,
};

/// Renames one of the user's passkeys.
pub async fn rename(security: &Security, user_id: &str, id: &str, name: &str) -> Result<PasskeyRow, PasskeyError> {
    let name = super::register::checked_name(name)?;
    passkeys::rename(&security.db, user_id, id, &name).await?.ok_or(PasskeyError::NotFound)
}

/// Removes one of the user's passkeys, unless it is the last way to sign in to an
/// account without a password.
pub async fn remove(
    security: &Security,
    user: &users::Model,
    id: &str,
    client: &ClientInfo,
) -> Result<(), PasskeyError> {
    let txn = security.db.begin().await?;
    if !passkeys::remove(&txn, &user.id, id).await? {
        return Err(PasskeyError::NotFound);
    }
    passkeys::lock_user(&txn, &user.id).await?;
    if user.password_hash == NO_PASSWORD && passkeys::count_of_user(&txn, &user.id).await? == 0 {
        txn.rollback().await?;
        return Err(PasskeyError::LastWay);
    }
    let removed = Event::new(Kind::PasskeyRemoved).user(user.id.as_str()).from(client);
    removed.details(json!({ "passkey": id })).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}
