//! `mana-auth mfa reset`: for a user who lost both authenticator and recovery codes,
//! or for everyone after the secrets key leaked together with the database.

use crate::store::db::Db;
use serde_json::json;

use super::clients::AdminError;
use crate::{
    security::audit::{Event, Kind},
    store::{mfa, users},
};

/// Turns two-step verification off for one user (by email) or, with `None`, for all;
/// returns how many had it.
pub async fn reset(db: &Db, email: Option<&str>) -> Result<u64, AdminError> {
    let Some(email) = email else {
        let txn = db.begin().await?;
        let removed = mfa::remove_all(&txn).await?;
        txn.commit().await?;
        Event::new(Kind::MfaDisabled).details(json!({ "by": "operator", "users": removed })).record(db).await;
        return Ok(removed);
    };
    let user =
        users::find_by_email(db, email).await?.ok_or_else(|| AdminError::Invalid(format!("no account {email}")))?;
    let had = mfa::find(db, &user.id).await?.is_some();
    let txn = db.begin().await?;
    mfa::remove(&txn, &user.id).await?;
    txn.commit().await?;
    Event::new(Kind::MfaDisabled).user(user.id.as_str()).details(json!({ "by": "operator" })).record(db).await;
    Ok(u64::from(had))
}
