//! The first administrator: while there is none, each start of `serve` prints a
//! one-time setup link (`/setup?token=…`); `user add --admin` and `user grant-admin`
//! make one from scripts.

use entity::users::Model as User;

use super::{
    clients::AdminError,
    roles::{By, grant_admin},
};
use crate::store::{StoreError, db::Db, setup_links, users};

/// How long a setup link works.
pub const LINK_TTL_SECS: i64 = 3600;

/// A fresh setup link while no administrator exists; the links printed before stop
/// working.
pub async fn link_if_needed(db: &Db, issuer: &str) -> Result<Option<String>, StoreError> {
    if users::any_admin(db).await? {
        return Ok(None);
    }
    let token = setup_links::issue(db, LINK_TTL_SECS).await?;
    Ok(Some(format!("{}/setup?token={token}", issuer.trim_end_matches('/'))))
}

/// `mana-auth user grant-admin --email E`.
pub async fn grant_admin_by_email(db: &Db, email: &str) -> Result<User, AdminError> {
    let user = super::users::by_email(db, email).await?;
    grant_admin(db, &user, By::Operator).await?;
    Ok(user)
}
