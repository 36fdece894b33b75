//! The double-entry ledger as stored: accounts with balances, transactions and entries.
//! Every posting writes a transaction whose entries sum to zero and moves the account
//! balances by exactly those entries, through the caller's database transaction.

use entity::{
    credit_accounts::{self, Entity as Accounts},
    credit_entries::{self, Entity as Entries},
    credit_transactions::{self, Entity as Transactions},
};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};

use super::{StoreError, now};
use crate::security::opaque::new_id;

/// System accounts: where credits come from and go to.
pub const SIGNUP_BONUS: &str = "system:signup_bonus";
pub const DAILY_FREE: &str = "system:daily_free";
pub const PURCHASES: &str = "system:purchases";
pub const SPENDING: &str = "system:spending";
pub const ADJUSTMENTS: &str = "system:adjustments";
const SYSTEM_ACCOUNTS: [&str; 5] = [SIGNUP_BONUS, DAILY_FREE, PURCHASES, SPENDING, ADJUSTMENTS];

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
    pub entries: Vec<(String, i64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum PostingError {
    #[error("entries do not sum to zero")]
    Unbalanced,
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

pub async fn ensure_system_accounts(db: &impl ConnectionTrait) -> Result<(), StoreError> {
    insert_accounts(db, SYSTEM_ACCOUNTS.iter().map(|id| account((*id).to_owned(), None, id)).collect()).await
}

pub async fn ensure_wallets(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    insert_accounts(
        db,
        vec![
            account(free_wallet(user_id), Some(user_id), "free"),
            account(paid_wallet(user_id), Some(user_id), "paid"),
        ],
    )
    .await
}

/// Takes the user's wallets for this transaction: a write on both rows, so PostgreSQL
/// holds their row locks and SQLite its write lock until commit. No lost update. The
/// rows are locked one by one, free then paid, the order every posting follows, so two
/// transactions never wait on each other in a cycle (one statement over both rows would
/// lock them in the table's physical order on PostgreSQL, which updates change).
pub async fn lock_wallets(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    for wallet in [free_wallet(user_id), paid_wallet(user_id)] {
        Accounts::update_many()
            .col_expr(credit_accounts::Column::Version, Expr::col(credit_accounts::Column::Version).add(1))
            .filter(credit_accounts::Column::Id.eq(wallet))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The user's (free, paid) balances.
pub async fn wallet_balances(db: &impl ConnectionTrait, user_id: &str) -> Result<(i64, i64), StoreError> {
    let rows = Accounts::find()
        .filter(credit_accounts::Column::Id.is_in([free_wallet(user_id), paid_wallet(user_id)]))
        .all(db)
        .await?;
    let balance = |kind: &str| rows.iter().find(|a| a.kind == kind).map_or(0, |a| a.balance);
    Ok((balance("free"), balance("paid")))
}

/// Writes the transaction first (so a duplicate reference fails before anything moves),
/// then its entries and the balance changes. Wallets never go below zero.
pub async fn post(db: &impl ConnectionTrait, posting: Posting<'_>) -> Result<credit_transactions::Model, PostingError> {
    if posting.entries.iter().map(|(_, amount)| amount).sum::<i64>() != 0 {
        return Err(PostingError::Unbalanced);
    }
    let transaction = credit_transactions::ActiveModel {
        id: Set(new_id()),
        user_id: Set(posting.user_id.map(str::to_owned)),
        kind: Set(posting.kind.to_owned()),
        amount: Set(posting.amount),
        from_free: Set(posting.from_free),
        from_paid: Set(posting.from_paid),
        balance_after: Set(posting.balance_after),
        app_id: Set(posting.app_id),
        description: Set(posting.description),
        metadata: Set(posting.metadata),
        reference: Set(posting.reference),
        created_at: Set(now()),
    };
    let transaction = match Transactions::insert(transaction).exec_with_returning(db).await.map_err(StoreError::from) {
        Ok(row) => row,
        Err(StoreError::Conflict(_)) => return Err(PostingError::Duplicate),
        Err(err) => return Err(err.into()),
    };
    let entries = posting.entries.iter().map(|(account_id, amount)| credit_entries::ActiveModel {
        id: Set(new_id()),
        transaction_id: Set(transaction.id.clone()),
        account_id: Set(account_id.clone()),
        amount: Set(*amount),
    });
    Entries::insert_many(entries).exec_without_returning(db).await.map_err(StoreError::from)?;
    for (account_id, amount) in &posting.entries {
        let mut update = Accounts::update_many()
            .col_expr(credit_accounts::Column::Balance, Expr::col(credit_accounts::Column::Balance).add(*amount))
            .filter(credit_accounts::Column::Id.eq(account_id.as_str()));
        if !account_id.starts_with("system:") {
            update = update.filter(Expr::col(credit_accounts::Column::Balance).add(*amount).gte(0));
        }
        if update.exec(db).await.map_err(StoreError::from)?.rows_affected != 1 {
            return Err(PostingError::Overdrawn);
        }
    }
    Ok(transaction)
}

pub async fn has_reference(db: &impl ConnectionTrait, reference: &str) -> Result<bool, StoreError> {
    Ok(Transactions::find().filter(credit_transactions::Column::Reference.eq(reference)).one(db).await?.is_some())
}

/// The user's transactions, newest first.
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
        let expected = per_account.iter().find(|(id, _)| *id == account.id).and_then(|(_, s)| *s).unwrap_or(0);
        if account.balance != expected {
            problems.push(format!("account {}: balance {} but entries sum to {expected}", account.id, account.balance));
        }
        if account.user_id.is_some() && account.balance < 0 {
            problems.push(format!("account {}: negative balance {}", account.id, account.balance));
        }
    }
    Ok(problems)
}

/// `SUM(amount)` as a BIGINT: PostgreSQL widens sums of BIGINT to NUMERIC otherwise.
fn sum_of_amounts() -> Expr {
    Expr::cust("CAST(SUM(amount) AS BIGINT)")
}
