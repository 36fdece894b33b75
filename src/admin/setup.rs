//! The first administrator: while there is none, each start of `serve` prints a
//! one-time setup link (`/setup?token=…`); `user add --admin` and `user grant-admin`
//! make one from scripts.

use entity::users::Model as User;
use serde_json::json;

use super::clients::AdminError;
use crate::{
    security::audit::{Event, Kind},
    store::{StoreError, db::Db, setup_links, users},
};

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

/// Makes `user` an administrator; `by` says who (`operator` or `setup link`).
pub async fn grant_admin(db: &Db, user: &User, by: &str) -> Result<(), StoreError> {
    let txn = db.begin().await?;
    users::set_role(&txn, &user.id, users::ADMIN_ROLE).await?;
    Event::new(Kind::AdminGranted).user(user.id.as_str()).details(json!({ "by": by })).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// `mana-auth user grant-admin --email E`.
pub async fn grant_admin_by_email(db: &Db, email: &str) -> Result<User, AdminError> {
    let user = super::users::by_email(db, email).await?;
    grant_admin(db, &user, "operator").await?;
    Ok(user)
}
