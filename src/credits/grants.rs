//! Credits that come in: the signup bonus, the daily free credits, purchases and
//! operators' adjustments. Each is one posting with a unique reference, so it happens once.

use crate::store::db::Db;
use entity::users;
use sea_orm::ConnectionTrait;

use super::{CreditsError, spend};
use crate::{
    config::CreditsConfig,
    security::{
        audit::{Event, Kind},
        client::ClientInfo,
        passkeys::VerifiedSignUp,
    },
    store::{
        ledger::{self, Posting, PostingError},
        now,
        users::{self as user_store, NewUser},
    },
};

/// An incoming movement: `amount` from a system account into one of the user's wallets.
struct Credit<'a> {
    kind: &'a str,
    amount: i64,
    paid: bool,
    source: &'a str,
    /// Posted once: a second posting of the same reference is ignored.
    reference: String,
    description: Option<String>,
}

/// Posts `credit` for the user; returns false when its reference was already posted.
async fn credit(db: &impl ConnectionTrait, user_id: &str, credit: Credit<'_>) -> Result<bool, CreditsError> {
    let (free, paid_balance) = ledger::take_wallets(db, user_id).await?;
    let wallet = if credit.paid { ledger::paid_wallet(user_id) } else { ledger::free_wallet(user_id) };
    let posting = Posting {
        user_id: Some(user_id),
        kind: credit.kind,
        amount: credit.amount,
        from_free: 0,
        from_paid: 0,
        balance_after: free + paid_balance + credit.amount,
        app_id: None,
        description: credit.description,
        metadata: None,
        reference: Some(credit.reference),
        entries: vec![(wallet, credit.amount), (credit.source.to_owned(), -credit.amount)],
    };
    match ledger::post(db, posting).await {
        Ok(_) => Ok(true),
        Err(PostingError::Duplicate) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Takes `amount` back from the user's paid wallet, refused when it holds less.
async fn take_back(
    db: &impl ConnectionTrait,
    user_id: &str,
    amount: i64,
    reference: String,
    description: Option<String>,
) -> Result<(), CreditsError> {
    let (free, paid) = ledger::take_wallets(db, user_id).await?;
    if paid < amount {
        return Err(CreditsError::Invalid(format!("the paid wallet holds {paid} credits, fewer than {amount}")));
    }
    let posting = Posting {
        user_id: Some(user_id),
        kind: "adjustment",
        amount: -amount,
        from_free: 0,
        from_paid: amount,
        balance_after: free + paid - amount,
        app_id: None,
        description,
        metadata: None,
        reference: Some(reference),
        entries: vec![(ledger::paid_wallet(user_id), -amount), (ledger::ADJUSTMENTS.to_owned(), amount)],
    };
    ledger::post(db, posting).await?;
    Ok(())
}

/// The signup bonus, inside the transaction that creates the user.
pub async fn signup_bonus(
    db: &impl ConnectionTrait,
    config: &CreditsConfig,
    user_id: &str,
) -> Result<(), CreditsError> {
    if config.signup_bonus > 0 {
        let bonus = Credit {
            kind: "signup_bonus",
            amount: config.signup_bonus,
            paid: false,
            source: ledger::SIGNUP_BONUS,
            reference: format!("signup:{user_id}"),
            description: None,
        };
        credit(db, user_id, bonus).await?;
    }
    Ok(())
}

/// Creates a user, credits the signup bonus and writes `created` (the account's
/// creation, told how it came about) in one transaction.
pub async fn register(
    db: &Db,
    config: &CreditsConfig,
    new: NewUser,
    created: Event,
) -> Result<users::Model, CreditsError> {
    let txn = db.begin().await?;
    let user = create_account(&txn, config, new, created).await?;
    txn.commit().await?;
    Ok(user)
}

/// Creates an account signed up with a passkey and no password: the account, its
/// signup bonus and its first passkey, in one transaction.
pub async fn register_with_passkey(
    db: &Db,
    config: &CreditsConfig,
    signup: VerifiedSignUp,
    language: &str,
    created: Event,
    client: &ClientInfo,
) -> Result<users::Model, CreditsError> {
    let txn = db.begin().await?;
    let user = create_account(&txn, config, signup.new_user(language), created).await?;
    signup.store(&txn, &user.id, client).await?;
    txn.commit().await?;
    Ok(user)
}

/// Creates a user and credits its signup bonus inside the caller's transaction, which
/// also writes `created`.
pub async fn create_account(
    txn: &impl ConnectionTrait,
    config: &CreditsConfig,
    new: NewUser,
    created: Event,
) -> Result<users::Model, CreditsError> {
    let user = user_store::create(txn, new).await?;
    signup_bonus(txn, config, &user.id).await?;
    created.user(user.id.as_str()).write(txn).await?;
    Ok(user)
}

/// Grants the daily free credits on the first credits request of a UTC day; concurrent
/// first requests grant once (the reference is unique).
pub async fn daily_free(db: &Db, config: &CreditsConfig, user_id: &str) -> Result<(), CreditsError> {
    if config.daily_free <= 0 {
        return Ok(());
    }
    let reference = format!("daily:{user_id}:{}", now() / 86_400);
    if ledger::has_reference(db, &reference).await? {
        return Ok(());
    }
    let txn = db.begin().await?;
    let daily = Credit {
        kind: "daily_free",
        amount: config.daily_free,
        paid: false,
        source: ledger::DAILY_FREE,
        reference,
        description: None,
    };
    if credit(&txn, user_id, daily).await? {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
    }
    Ok(())
}

/// A completed purchase's credits into the paid wallet; false when already credited.
pub async fn purchase(
    db: &impl ConnectionTrait,
    user_id: &str,
    purchase_id: &str,
    credits: i64,
) -> Result<bool, CreditsError> {
    let bought = Credit {
        kind: "purchase",
        amount: credits,
        paid: true,
        source: ledger::PURCHASES,
        reference: format!("purchase:{purchase_id}"),
        description: None,
    };
    credit(db, user_id, bought).await
}

/// An operator's audited adjustment of the paid wallet: a positive amount is granted, a
/// negative one taken back (never below zero). `admin` names the administrator when it
/// came from the admin pages.
pub async fn adjustment(
    db: &Db,
    user_id: &str,
    amount: i64,
    reason: &str,
    admin: Option<&str>,
) -> Result<(), CreditsError> {
    if amount == 0 || amount.unsigned_abs() > spend::MAX_AMOUNT.unsigned_abs() {
        return Err(CreditsError::Invalid(format!(
            "the amount must be from 1 to {0} or from -{0} to -1",
            spend::MAX_AMOUNT
        )));
    }
    if reason.trim().is_empty() {
        return Err(CreditsError::Invalid("a reason is required".into()));
    }
    let reference = format!("adjustment:{}", crate::security::opaque::new_id());
    let description = Some(reason.trim().to_owned());
    let txn = db.begin().await?;
    if amount > 0 {
        let grant =
            Credit { kind: "adjustment", amount, paid: true, source: ledger::ADJUSTMENTS, reference, description };
        credit(&txn, user_id, grant).await?;
    } else {
        take_back(&txn, user_id, -amount, reference, description).await?;
    }
    let mut details = serde_json::json!({ "amount": amount, "reason": reason.trim() });
    let kind = match admin {
        Some(admin) => {
            details["admin"] = admin.into();
            Kind::AdminCreditsAdjusted
        }
        None => Kind::CreditsGranted,
    };
    Event::new(kind).user(user_id).details(details).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use entity::users::Entity as Users;
    use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};

    use super::register;
    use crate::{
        config::Config,
        security::audit::{Event, Kind},
        store::{
            db, ledger,
            security_events::{self, Filter},
            users::NewUser,
        },
    };

    fn ada() -> NewUser {
        NewUser {
            email: "ada@example.org".into(),
            username: None,
            name: None,
            password_hash: "x".into(),
            language: None,
        }
    }

    #[tokio::test]
    async fn an_account_and_the_event_of_its_creation_are_kept_or_lost_together() {
        let db = db::in_memory().await;
        let credits = Config::load(None).expect("defaults").credits;
        ledger::ensure_system_accounts(&db).await.expect("system accounts");
        db.execute_unprepared("ALTER TABLE security_events RENAME TO events_elsewhere").await.expect("hide");
        let refused = register(&db, &credits, ada(), Event::new(Kind::AccountCreated)).await;
        assert!(refused.is_err(), "the event could not be written");
        assert_eq!(Users::find().count(&db).await.expect("count"), 0, "so the account was not created");

        db.execute_unprepared("ALTER TABLE events_elsewhere RENAME TO security_events").await.expect("restore");
        let user = register(&db, &credits, ada(), Event::new(Kind::AccountCreated)).await.expect("created");
        let mine = Filter { user_id: Some(user.id.clone()), limit: 10, ..Filter::default() };
        let events = security_events::list(&db, mine).await.expect("events");
        assert_eq!(events.iter().map(|e| e.kind.as_str()).collect::<Vec<_>>(), ["account.created"]);
    }
}
