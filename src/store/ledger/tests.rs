//! The ledger as stored: postings, overdrafts, and system balances that are derived.

use entity::credit_accounts::{self, Entity as Accounts};
use migration::MigratorTrait;
use sea_orm::{ActiveValue::Set, EntityTrait};

use super::{Posting, PostingError, SPENDING, free_wallet, paid_wallet, post, take_wallets};
use crate::store::{db, refresh::fixtures::a_user};

fn moving(user_id: &str, entries: &[(&str, i64)]) -> Posting<'static> {
    Posting {
        user_id: None,
        kind: "test",
        amount: 0,
        from_free: 0,
        from_paid: 0,
        balance_after: 0,
        app_id: None,
        description: None,
        metadata: None,
        reference: Some(format!("{user_id}:{entries:?}")),
        entries: entries.iter().map(|(account, amount)| ((*account).to_owned(), *amount)).collect(),
    }
}

#[tokio::test]
async fn a_posting_moves_every_balance_or_none_and_never_overdraws_a_wallet() {
    let db = db::in_memory().await;
    super::ensure_system_accounts(&db).await.expect("system accounts");
    let user = a_user(&db, "ledger@example.org").await;
    let (free, paid) = (free_wallet(&user), paid_wallet(&user));
    assert_eq!(take_wallets(&db, &user).await.expect("created"), (0, 0));

    post(&db, moving(&user, &[(&free, 7), (&paid, 3), (SPENDING, -10)])).await.expect("posted");
    assert_eq!(take_wallets(&db, &user).await.expect("taken again"), (7, 3), "existing wallets are kept");

    let unbalanced = post(&db, moving(&user, &[(&free, 1), (SPENDING, -2)])).await;
    assert!(matches!(unbalanced, Err(PostingError::Malformed)));
    let twice = post(&db, moving(&user, &[(&free, 1), (&free, 1), (SPENDING, -2)])).await;
    assert!(matches!(twice, Err(PostingError::Malformed)));

    let txn = db.begin().await.expect("begin");
    let overdrawn = post(&txn, moving(&user, &[(&free, -1), (&paid, -4), (SPENDING, 5)])).await;
    assert!(matches!(overdrawn, Err(PostingError::Overdrawn)), "{:?}", overdrawn.err());
    txn.rollback().await.expect("rollback");
    assert_eq!(take_wallets(&db, &user).await.expect("taken"), (7, 3), "nothing moved");

    post(&db, moving(&user, &[(&free, -7), (&paid, -3), (SPENDING, 10)])).await.expect("to zero");
    assert_eq!(take_wallets(&db, &user).await.expect("taken"), (0, 0));
    assert!(super::check(&db).await.expect("check").is_empty(), "the system account went below zero, allowed");

    let spending = Accounts::find_by_id(SPENDING).one(&db).await.expect("read").expect("system account");
    assert_eq!(spending.balance, 0, "a system account's balance is its entries' sum, not stored");
    let stored = credit_accounts::ActiveModel { balance: Set(-10), ..spending.into() };
    Accounts::update(stored).exec(&db).await.expect("tampered");
    let problems = super::check(&db).await.expect("check");
    assert!(problems.iter().any(|p| p.contains("system account stores balance -10")), "{problems:?}");
}

/// Databases written before system balances were derived stored them: the upgrade
/// sets them to 0, after which the check finds nothing wrong.
#[tokio::test]
async fn the_upgrade_clears_the_balances_system_accounts_stored() {
    let db = db::in_memory_without_schema().await;
    let names: Vec<String> = migration::Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let before = names.iter().position(|name| name == "m20261207_000001_derive_system_balances").expect("listed");
    db::migrate_steps(&db, u32::try_from(before).expect("few")).await.expect("the schema before");
    super::ensure_system_accounts(&db).await.expect("system accounts");
    let stored = credit_accounts::ActiveModel { id: Set(SPENDING.to_owned()), balance: Set(10), ..Default::default() };
    Accounts::update(stored).exec(&db).await.expect("a stored balance");
    assert!(!super::check(&db).await.expect("check").is_empty(), "a stored system balance is found");

    db::migrate(&db).await.expect("upgrade");
    let spending = Accounts::find_by_id(SPENDING).one(&db).await.expect("read").expect("system account");
    assert_eq!(spending.balance, 0);
    assert!(super::check(&db).await.expect("check").is_empty());
}
