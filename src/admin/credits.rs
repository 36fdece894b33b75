//! `mana-auth credits grant` and the ledger check of `mana-auth doctor`.

use sea_orm::DatabaseConnection;

use super::clients::AdminError;
use crate::{
    credits::grants,
    store::{ledger, users},
};

/// An audited adjustment through the ledger into the user's paid wallet.
pub async fn grant(db: &DatabaseConnection, email: &str, amount: i64, reason: &str) -> Result<(), AdminError> {
    let user = users::find_by_email(db, email)
        .await?
        .ok_or_else(|| AdminError::Invalid(format!("no user with email {email}")))?;
    grants::adjustment(db, &user.id, amount, reason).await.map_err(|e| AdminError::Invalid(e.to_string()))?;
    tracing::info!(user_id = %user.id, amount, reason, "credits granted by an operator");
    Ok(())
}

/// What is wrong with the ledger: transactions that do not sum to zero, balances that
/// differ from their entries, negative wallets. Empty when healthy.
pub async fn check_ledger(db: &DatabaseConnection) -> Result<Vec<String>, AdminError> {
    Ok(ledger::check(db).await?)
}
