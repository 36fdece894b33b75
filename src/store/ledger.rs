//! The double-entry ledger as stored: accounts, transactions and entries. Every posting
//! writes a transaction whose entries sum to zero and moves the balances of the users'
//! wallets by exactly their entries, through the caller's database transaction. A system
//! account's balance is the sum of its entries and is not stored: every spend would
//! otherwise update the one `system:spending` row, and all spends would queue for it.

use entity::{
    credit_accounts::{self, Entity as Accounts},
    credit_entries::{self, Entity as Entries},
    credit_transactions::{self, Entity as Transactions},
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{CaseStatement, Expr, ExprTrait, OnConflict, Query},
};

use super::{StoreError, now};
use crate::security::opaque::new_id;

/// System accounts: where credits come from and go to.
pub const SIGNUP_BONUS: &str = "system:signup_bonus";
pub const DAILY_FREE: &str = "system:daily_free";
pub const PURCHASES: &str = "system:purchases";
pub const SPENDING: &str = "system:spending";
pub const ADJUSTMENTS: &str = "system:adjustments";
/// What deleted accounts left in their wallets.
pub const CLOSED_ACCOUNTS: &str = "system:closed_accounts";
/// Where the balances carried over from another system came from.
pub const OPENING_BALANCES: &str = "system:opening_balances";
const SYSTEM_ACCOUNTS: [&str; 7] =
    [SIGNUP_BONUS, DAILY_FREE, PURCHASES, SPENDING, ADJUSTMENTS, CLOSED_ACCOUNTS, OPENING_BALANCES];

pub fn free_wallet(user_id: &str) -> String {
    format!("{user_id}:free")
}

pub fn paid_wallet(user_id: &str) -> String {
    format!("{user_id}:paid")
}

/// A movement to record: its entries (account, signed amount) must sum to zero.
pub struct Posting<'a> {
    pub user_id: Option<&'a str>,
    pub kind: &'a str,
    pub amount: i64,
    pub from_free: i64,
    pub from_paid: i64,
    pub balance_after: i64,
    pub app_id: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<String>,
    /// Unique when set: the same reference can be posted only once.
    pub reference: Option<String>,
    /// One per account.
    pub entries: Vec<(String, i64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PostingError {
    #[error("entries must sum to zero and name each account once")]
    Malformed,
    #[error("a wallet would go negative")]
    Overdrawn,
    #[error("already posted")]
    Duplicate,
    #[error(transparent)]
    Store(#[from] StoreError),
}

async fn insert_accounts(db: &impl ConnectionTrait, rows: Vec<credit_accounts::ActiveModel>) -> Result<(), StoreError> {
    Accounts::insert_many(rows)
        .on_conflict(OnConflict::column(credit_accounts::Column::Id).do_nothing().to_owned())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

fn account(id: String, user_id: Option<&str>, kind: &str) -> credit_accounts::ActiveModel {
    credit_accounts::ActiveModel {
        id: Set(id),
        user_id: Set(user_id.map(str::to_owned)),
        kind: Set(kind.to_owned()),
        balance: Set(0),
        version: Set(0),
        created_at: Set(now()),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn ensure_system_accounts(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    insert_accounts(db, SYSTEM_ACCOUNTS.iter().map(|id| account((*id).to_owned(), None, id)).collect()).await
}

/// Takes the user's wallets for this transaction, creating them when missing, and
/// returns their (free, paid) balances: one INSERT of both rows that bumps the version
/// of a row already there. It writes both rows, so PostgreSQL holds their row locks and
/// SQLite its write lock until commit: no lost update. The rows are written in the
/// order given, free then paid, the order every posting follows, so two transactions
/// never wait on each other in a cycle.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn take_wallets(db: &impl ConnectionTrait, user_id: &str) -> Result<(i64, i64), StoreError> {
    let wallets =
        [account(free_wallet(user_id), Some(user_id), "free"), account(paid_wallet(user_id), Some(user_id), "paid")];
    let take = Accounts::insert_many(wallets).on_conflict(
        OnConflict::column(credit_accounts::Column::Id)
            .value(credit_accounts::Column::Version, Expr::col((Accounts, credit_accounts::Column::Version)).add(1))
            .to_owned(),
    );
    let taken = take.exec_with_returning(db).await?;
    Ok(free_and_paid(&taken))
}

/// Closes the wallets of a deleted account: what is left in them moves to
/// `system:closed_accounts` in one posting, so the ledger stays balanced and its history
/// adds up. Returns the credits moved.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn close_wallets(db: &impl ConnectionTrait, user_id: &str) -> Result<i64, PostingError> {
    let (free, paid) = take_wallets(db, user_id).await?;
    let left = free + paid;
    if left == 0 {
        return Ok(0);
    }
    let mut entries: Vec<(String, i64)> = [(free_wallet(user_id), free), (paid_wallet(user_id), paid)]
        .into_iter()
        .filter(|(_, balance)| *balance != 0)
        .map(|(wallet, balance)| (wallet, -balance))
        .collect();
    entries.push((CLOSED_ACCOUNTS.to_owned(), left));
    let posting = Posting {
        user_id: Some(user_id),
        kind: "account_closed",
        amount: -left,
        from_free: free,
        from_paid: paid,
        balance_after: 0,
        app_id: None,
        description: Some("Account deleted".into()),
        metadata: None,
        reference: Some(format!("closed:{user_id}")),
        entries,
    };
    post(db, posting).await?;
    Ok(left)
}

/// The user's (free, paid) balances.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn wallet_balances(db: &impl ConnectionTrait, user_id: &str) -> Result<(i64, i64), StoreError> {
    let rows = Accounts::find()
        .filter(credit_accounts::Column::Id.is_in([free_wallet(user_id), paid_wallet(user_id)]))
        .all(db)
        .await?;
    Ok(free_and_paid(&rows))
}

/// The (free, paid) balances among a user's wallet rows; 0 for a wallet not there.
fn free_and_paid(wallets: &[credit_accounts::Model]) -> (i64, i64) {
    let balance = |kind: &str| wallets.iter().find(|a| a.kind == kind).map_or(0, |a| a.balance);
    (balance("free"), balance("paid"))
}

/// Writes the transaction first (so a duplicate reference fails before anything moves),
/// then its entries and the balance changes. Wallets never go below zero.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn post(db: &impl ConnectionTrait, posting: Posting<'_>) -> Result<credit_transactions::Model, PostingError> {
    let accounts: std::collections::HashSet<_> = posting.entries.iter().map(|(account_id, _)| account_id).collect();
    if posting.entries.iter().map(|(_, amount)| amount).sum::<i64>() != 0 || accounts.len() != posting.entries.len() {
        return Err(PostingError::Malformed);
    }
    let transaction = credit_transactions::Model {
        id: new_id(),
        user_id: posting.user_id.map(str::to_owned),
        kind: posting.kind.to_owned(),
        amount: posting.amount,
        from_free: posting.from_free,
        from_paid: posting.from_paid,
        balance_after: posting.balance_after,
        app_id: posting.app_id,
        description: posting.description,
        metadata: posting.metadata,
        reference: posting.reference,
        created_at: now(),
    };
    let insert = Transactions::insert(credit_transactions::ActiveModel::from(transaction.clone()));
    match insert.exec_without_returning(db).await.map_err(StoreError::from) {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => return Err(PostingError::Duplicate),
        Err(err) => return Err(err.into()),
    }
    let entries = posting.entries.iter().map(|(account_id, amount)| credit_entries::ActiveModel {
        id: Set(new_id()),
        transaction_id: Set(transaction.id.clone()),
        account_id: Set(account_id.clone()),
        amount: Set(*amount),
    });
    Entries::insert_many(entries).exec_without_returning(db).await.map_err(StoreError::from)?;
    move_wallets(db, &posting.entries).await?;
    Ok(transaction)
}

/// Moves the balances of the wallets among `entries` in one statement; none may go below
/// zero. The wallets were taken first (`take_wallets`), so on PostgreSQL this waits for
/// no other transaction.
async fn move_wallets(db: &impl ConnectionTrait, entries: &[(String, i64)]) -> Result<(), PostingError> {
    let wallets: Vec<_> = entries.iter().filter(|(account_id, _)| !is_system(account_id)).collect();
    if wallets.is_empty() {
        return Ok(());
    }
    let change = wallets
        .iter()
        .fold(CaseStatement::new(), |change, (account_id, amount)| {
            change.case(credit_accounts::Column::Id.eq(account_id.as_str()), *amount)
        })
        .finally(0);
    let new_balance = Expr::col(credit_accounts::Column::Balance).add(change);
    let move_balances = Accounts::update_many()
        .col_expr(credit_accounts::Column::Balance, new_balance.clone())
        .filter(credit_accounts::Column::Id.is_in(wallets.iter().map(|(account_id, _)| account_id.as_str())))
        .filter(new_balance.gte(0));
    let moved = move_balances.exec(db).await.map_err(StoreError::from)?;
    if moved.rows_affected != wallets.len() as u64 {
        return Err(PostingError::Overdrawn);
    }
    Ok(())
}

fn is_system(account_id: &str) -> bool {
    SYSTEM_ACCOUNTS.contains(&account_id)
}

/// Whether a transaction with `reference` was posted: asked on every credits request
/// (today's free credits). The reference is unique, so the query has no LIMIT.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn has_reference(db: &impl ConnectionTrait, reference: &str) -> Result<bool, StoreError> {
    let query = Query::select()
        .expr(Expr::cust("1"))
        .from(Transactions)
        .and_where(credit_transactions::Column::Reference.eq(reference))
        .to_owned();
    Ok(db.query_one(&query).await?.is_some())
}

/// The user's transactions, newest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn transactions(
    db: &impl ConnectionTrait,
    user_id: &str,
    limit: u64,
    offset: u64,
) -> Result<Vec<credit_transactions::Model>, StoreError> {
    Ok(Transactions::find()
        .filter(credit_transactions::Column::UserId.eq(user_id))
        .order_by_desc(credit_transactions::Column::CreatedAt)
        .order_by_desc(credit_transactions::Column::Id)
        .limit(limit)
        .offset(offset)
        .all(db)
        .await?)
}

/// Sum of the amounts of the user's transactions of these kinds.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn total(db: &impl ConnectionTrait, user_id: &str, kinds: &[&str]) -> Result<i64, StoreError> {
    let sum: Option<Option<i64>> = Transactions::find()
        .select_only()
        .column_as(sum_of_amounts(), "total")
        .filter(credit_transactions::Column::UserId.eq(user_id))
        .filter(credit_transactions::Column::Kind.is_in(kinds.iter().copied()))
        .into_tuple()
        .one(db)
        .await?;
    Ok(sum.flatten().unwrap_or(0))
}

/// Problems the ledger check finds: unbalanced transactions, balances that differ from their entries.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn check(db: &impl ConnectionTrait) -> Result<Vec<String>, StoreError> {
    let mut problems = Vec::new();
    let sums: Vec<(String, Option<i64>)> = Entries::find()
        .select_only()
        .column(credit_entries::Column::TransactionId)
        .column_as(sum_of_amounts(), "total")
        .group_by(credit_entries::Column::TransactionId)
        .into_tuple()
        .all(db)
        .await?;
    for (transaction, sum) in sums {
        if sum.unwrap_or(0) != 0 {
            problems.push(format!("transaction {transaction}: entries sum to {}", sum.unwrap_or(0)));
        }
    }
    let per_account: Vec<(String, Option<i64>)> = Entries::find()
        .select_only()
        .column(credit_entries::Column::AccountId)
        .column_as(sum_of_amounts(), "total")
        .group_by(credit_entries::Column::AccountId)
        .into_tuple()
        .all(db)
        .await?;
    for account in Accounts::find().all(db).await? {
        if account.user_id.is_none() {
            // A system account: its balance is derived from the entries, so only a
            // stored figure can be wrong.
            if account.balance != 0 {
                problems.push(format!("account {}: system account stores balance {}", account.id, account.balance));
            }
            continue;
        }
        let expected = per_account.iter().find(|(id, _)| *id == account.id).and_then(|(_, s)| *s).unwrap_or(0);
        if account.balance != expected {
            problems.push(format!("account {}: balance {} but entries sum to {expected}", account.id, account.balance));
        }
        if account.balance < 0 {
            problems.push(format!("account {}: negative balance {}", account.id, account.balance));
        }
    }
    Ok(problems)
}

/// `SUM(amount)` as a BIGINT: PostgreSQL widens sums of BIGINT to NUMERIC otherwise.
fn sum_of_amounts() -> Expr {
    Expr::cust("CAST(SUM(amount) AS BIGINT)")
}

#[cfg(test)]
mod tests;
