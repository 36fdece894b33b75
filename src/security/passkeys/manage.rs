//! Renaming and removing an account's passkeys.

use entity::{passkeys::Model as PasskeyRow, users};
use serde_json::json;

use super::PasskeyError;
use crate::{
    security::{
        audit::{Event, Kind},
        client::ClientInfo,
        context::Security,
        sign_in_ways,
    },
    store::passkeys,
};

/// Renames one of the user's passkeys.
pub async fn rename(security: &Security, user_id: &str, id: &str, name: &str) -> Result<PasskeyRow, PasskeyError> {
    let name = super::register::checked_name(name)?;
    passkeys::rename(&security.db, user_id, id, &name).await?.ok_or(PasskeyError::NotFound)
}

/// Removes one of the user's passkeys, unless it is the last way to sign in to the
/// account.
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
    if !sign_in_ways::any_left(&txn, &user.id).await? {
        txn.rollback().await?;
        return Err(PasskeyError::LastWay);
    }
    let removed = Event::new(Kind::PasskeyRemoved).user(user.id.as_str()).from(client);
    removed.details(json!({ "passkey": id })).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}
