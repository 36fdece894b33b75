//! Deleting an account (GDPR erasure). The account stays as a tombstone with its id
//! only, so its `sub` is never given to anyone else and the ledger keeps adding up;
//! every session ends, every token is revoked, and what identified the person goes:
//! email, name, username, password hash, second factor, passkeys, linked identities at
//! other providers, consents, device names, addresses and user agents. What is left in
//! the wallets moves to a system account.

use serde_json::json;

use super::{
    audit::{Event, Kind},
    context::Security,
    mfa::{self, MfaError},
    self_service::password_confirms,
};
use crate::store::{
    StoreError, auth_sessions, consents,
    db::Db,
    ledger::{self, PostingError},
    mfa as mfa_store,
    organizations::{self, Removal},
    passkeys, security_events, upstream_identities, users, verification_tokens,
};

use super::client::ClientInfo;

#[derive(Debug, thiserror::Error)]
pub enum ErasureError {
    #[error("the organization \"{0}\" has no other owner: make another member an owner first")]
    SoleOwner(String),
    #[error(transparent)]
    Posting(#[from] PostingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who asked for the deletion, kept in the event.
#[derive(Clone, Copy)]
pub enum By<'a> {
    User,
    Operator,
    /// An administrator on the admin pages, by id.
    Admin(&'a str),
}

/// Checks that the holder asks: the password, and a code when two-step verification is on.
pub async fn confirm_holder(
    security: &Security,
    user: &entity::users::Model,
    password: String,
    code: Option<&str>,
    client: &ClientInfo,
) -> Result<(), MfaError> {
    if !password_confirms::<MfaError>(security, user, password).await? {
        return Err(MfaError::WrongPassword);
    }
    if mfa_store::enabled(&security.db, &user.id).await? {
        let code = code.filter(|c| !c.trim().is_empty()).ok_or(MfaError::CodeRequired)?;
        mfa::verify(security, &user.id, code, client).await?;
    }
    Ok(())
}

/// Erases the account in one transaction; returns the sessions it ended, whose clients
/// are owed a back-channel logout.
pub async fn erase(db: &Db, user_id: &str, by: By<'_>) -> Result<Vec<String>, ErasureError> {
    let txn = db.begin().await?;
    for (organization, _) in organizations::of_user(&txn, user_id).await? {
        let removal = organizations::remove_member(&txn, &organization.id, user_id).await?;
        // An organization with nobody else in it goes with its last member.
        if removal == Removal::LastOwner && !organizations::delete_if_empty(&txn, &organization.id).await? {
            txn.rollback().await?;
            return Err(ErasureError::SoleOwner(organization.name));
        }
    }
    let ended: Vec<String> = auth_sessions::list_active(&txn, user_id).await?.into_iter().map(|s| s.id).collect();
    auth_sessions::end_all_of_user(&txn, user_id).await?;
    auth_sessions::forget_devices(&txn, user_id).await?;
    mfa_store::remove(&txn, user_id).await?;
    passkeys::remove_all_of_user(&txn, user_id).await?;
    upstream_identities::remove_all_of_user(&txn, user_id).await?;
    consents::remove_all_of_user(&txn, user_id).await?;
    verification_tokens::remove_all_of_user(&txn, user_id).await?;
    security_events::forget_addresses(&txn, user_id).await?;
    let forfeited = ledger::close_wallets(&txn, user_id).await?;
    users::erase(&txn, user_id).await?;
    let who = match by {
        By::User => "user",
        By::Operator => "operator",
        By::Admin(_) => "admin",
    };
    // Nothing that identifies the person: no address, no user agent.
    let event = Event::new(Kind::UserDeleted).user(user_id);
    event
        .details(json!({ "by": who, "sessions_ended": ended.len(), "credits_forfeited": forfeited }))
        .write(&txn)
        .await?;
    if let By::Admin(admin_id) = by {
        Event::new(Kind::AdminUserDeleted).user(user_id).details(json!({ "admin": admin_id })).write(&txn).await?;
    }
    txn.commit().await?;
    tracing::info!(%user_id, sessions = ended.len(), "account deleted");
    Ok(ended)
}
