//! `mana-auth credits grant` and the admin pages' credits adjustment.

use super::clients::AdminError;
use crate::store::db::Db;
use crate::{credits::grants, store::users};

/// An audited adjustment through the ledger of the user's paid wallet (negative: taken
/// back); `admin` names the administrator when it came from the admin pages. Returns
/// the account's id.
pub async fn grant(db: &Db, email: &str, amount: i64, reason: &str, admin: Option<&str>) -> Result<String, AdminError> {
    let user = users::find_by_email(db, email)
        .await?
        .ok_or_else(|| AdminError::Invalid(format!("no user with email {email}")))?;
    grants::adjustment(db, &user.id, amount, reason, admin).await.map_err(|e| AdminError::Invalid(e.to_string()))?;
    tracing::info!(user_id = %user.id, amount, reason, admin, "credits granted by hand");
    Ok(user.id)
}
