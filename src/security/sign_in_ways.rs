//! Whether an account keeps a way to sign in: a password, a passkey, or an identity at
//! an upstream provider. Asked inside the transaction that removes one, after the
//! account is locked, so two removals at once cannot leave it with none.

use crate::store::{StoreError, passkeys, upstream_identities, users};

use super::passwords::NO_PASSWORD;

pub async fn any_left(txn: &impl sea_orm::ConnectionTrait, user_id: &str) -> Result<bool, StoreError> {
    let Some(user) = users::lock(txn, user_id).await? else { return Ok(false) };
    Ok(user.password_hash != NO_PASSWORD
        || passkeys::count_of_user(txn, user_id).await? > 0
        || upstream_identities::count_of_user(txn, user_id).await? > 0)
}
