//! `mana-auth user passkeys`: an operator lists a user's passkeys and removes one,
//! e.g. of a lost device.

use entity::passkeys::Model as Passkey;
use serde_json::json;

use super::{clients::AdminError, users::by_email};
use crate::{
    security::audit::{Event, Kind},
    store::{db::Db, passkeys},
};

pub async fn list(db: &Db, email: &str) -> Result<Vec<Passkey>, AdminError> {
    Ok(passkeys::of_user(db, &by_email(db, email).await?.id).await?)
}

/// Removes the passkey `id` of the user. An operator may remove the last one: the
/// person then signs in again through a password reset.
pub async fn remove(db: &Db, email: &str, id: &str) -> Result<(), AdminError> {
    let user = by_email(db, email).await?;
    let txn = db.begin().await?;
    if !passkeys::remove(&txn, &user.id, id).await? {
        return Err(AdminError::Invalid(format!("{email} has no passkey {id}")));
    }
    let removed = Event::new(Kind::PasskeyRemoved).user(user.id.as_str());
    removed.details(json!({ "passkey": id, "by": "operator" })).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}
