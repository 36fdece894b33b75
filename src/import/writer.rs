//! Writes the mapped rows through the caller's transaction. Every row keeps the id it
//! had, and a row already there is left as it is, so a second import writes nothing:
//! what a user changed since (a new password, an ended session) stays.

use sea_orm::{ActiveModelTrait, ConnectionTrait, IntoActiveModel};

use super::{
    Counts, ImportError,
    mapping::{OpeningBalance, Rows},
};
use crate::store::{
    self, StoreError, jwks,
    ledger::{self, Posting},
};

/// Writes `rows`; returns how many of each kind were new. Keys are published as retired
/// from `keys_retired_at`.
pub async fn write(db: &impl ConnectionTrait, rows: Rows, keys_retired_at: i64) -> Result<Counts, ImportError> {
    let mut new = Counts::default();
    for user in rows.users {
        let id = user.id.clone();
        // The id is new but the email is not: another account already has it.
        let written = store::insert_if_absent(db, user.into_active_model()).await.map_err(|err| match err {
            StoreError::Conflict(_) => ImportError::EmailTaken(id),
            other => other.into(),
        })?;
        new.users += u64::from(written);
    }
    new.sessions = insert_all(db, rows.sessions).await?;
    new.organizations = insert_all(db, rows.organizations).await?;
    new.members = insert_all(db, rows.members).await?;
    for key in rows.keys {
        let written =
            jwks::insert_retired(db, &key.kid, key.alg, key.public_jwk, key.created_at, keys_retired_at).await?;
        new.keys += u64::from(written);
    }
    new.packages = insert_all(db, rows.packages).await?;
    new.purchases = insert_all(db, rows.purchases).await?;
    new.transactions = insert_all(db, rows.history).await?;
    for balance in &rows.balances {
        new.balances += u64::from(open(db, balance).await?);
    }
    Ok(new)
}

/// Writes each row unless it is there; returns how many were written.
async fn insert_all<M, A>(db: &impl ConnectionTrait, rows: Vec<M>) -> Result<u64, ImportError>
where
    M: IntoActiveModel<A>,
    A: ActiveModelTrait + Send,
{
    let mut written = 0;
    for row in rows {
        written += u64::from(store::insert_if_absent(db, row.into_active_model()).await?);
    }
    Ok(written)
}

/// The user's balance as one posting from the opening-balances account into the free
/// and the paid wallet, once (its reference names the user); false when there was
/// nothing to post or it was posted before.
async fn open(db: &impl ConnectionTrait, balance: &OpeningBalance) -> Result<bool, ImportError> {
    let total = balance.free + balance.paid;
    let reference = format!("opening:{}", balance.user_id);
    // Asked first: on PostgreSQL a refused insert would end the whole transaction.
    if total == 0 || ledger::has_reference(db, &reference).await? {
        return Ok(false);
    }
    let (free_before, paid_before) = ledger::take_wallets(db, &balance.user_id).await?;
    let entries = [
        (ledger::free_wallet(&balance.user_id), balance.free),
        (ledger::paid_wallet(&balance.user_id), balance.paid),
        (ledger::OPENING_BALANCES.to_owned(), -total),
    ];
    let posting = Posting {
        user_id: Some(&balance.user_id),
        kind: "opening_balance",
        amount: total,
        from_free: 0,
        from_paid: 0,
        balance_after: free_before + paid_before + total,
        app_id: None,
        description: Some(format!(
            "Balance carried over from Mana Core Auth: {} free, {} paid",
            balance.free, balance.paid
        )),
        metadata: None,
        reference: Some(reference),
        entries: entries.into_iter().filter(|(_, amount)| *amount != 0).collect(),
    };
    ledger::post(db, posting).await?;
    Ok(true)
}
