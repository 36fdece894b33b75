//! `mana-auth credits grant`.

use super::clients::AdminError;
use crate::store::db::Db;
use crate::{credits::grants, store::users};

/// An audited adjustment through the ledger into the user's paid wallet.
pub async fn grant(db: &Db, email: &str, amount: i64, reason: &str) -> Result<(), AdminError> {
    let user = users::find_by_email(db, email)
        .await?
        .ok_or_else(|| AdminError::Invalid(format!("no user with email {email}")))?;
    grants::adjustment(db, &user.id, amount, reason).await.map_err(|e| AdminError::Invalid(e.to_string()))?;
    tracing::info!(user_id = %user.id, amount, reason, "credits granted by an operator");
    Ok(())
}
