//! Who administers: granting and taking back the `admin` role, each audited with who
//! did it.

use entity::users::Model as User;
use serde_json::{Value, json};

use crate::{
    security::audit::{Event, Kind},
    store::{
        StoreError,
        db::Db,
        user_directory::{self, Revoked},
        users,
    },
};

/// Who changed a role.
#[derive(Clone, Copy)]
pub enum By<'a> {
    /// `mana-auth user add --admin` or `user grant-admin`.
    Operator,
    /// The first-run setup link.
    SetupLink,
    /// An administrator on the admin pages: their user id.
    Admin(&'a str),
}

impl By<'_> {
    fn details(self) -> Value {
        match self {
            By::Operator => json!({ "by": "operator" }),
            By::SetupLink => json!({ "by": "setup link" }),
            By::Admin(id) => json!({ "by": "admin", "admin": id }),
        }
    }
}

/// Makes `user` an administrator.
pub async fn grant_admin(db: &Db, user: &User, by: By<'_>) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    users::set_role(&txn, &user.id, users::ADMIN_ROLE).await?;
    Event::new(Kind::AdminGranted).user(user.id.as_str()).details(by.details()).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Takes the role back, unless `user` is the last administrator.
pub async fn revoke_admin(db: &Db, user: &User, by: By<'_>) -> Result<Revoked, StoreError> {
    let txn = db.begin().await?;
    let revoked = user_directory::revoke_admin(&txn, &user.id).await?;
    if revoked == Revoked::Done {
        Event::new(Kind::AdminRevoked).user(user.id.as_str()).details(by.details()).write(&txn).await?;
        txn.commit().await?;
    }
    Ok(revoked)
}
