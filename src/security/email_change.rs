//! Moving an account to another email address: asked for with the password, done
//! through a link mailed to the new address, and told to the old one afterwards. The
//! answer to the request is the same whether another account has the new address or
//! not; such an address gets no link.

use entity::users;

use super::{
    audit::{Event, Kind},
    client::ClientInfo,
    context::Security,
    limits::Throttled,
    passwords::{NO_PASSWORD, PasswordError},
    policy::{self, Rule},
    recovery::send_later,
    self_service::password_confirms,
};
use crate::{
    mail::messages,
    store::{
        StoreError, users as user_store,
        verification_tokens::{self, Purpose},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum EmailChangeError {
    #[error("{0}")]
    Invalid(Rule),
    #[error("this is already the account's address")]
    Same,
    #[error("the account has no password to confirm with")]
    NoPassword,
    #[error("the password is wrong")]
    WrongPassword,
    #[error("the link is invalid, expired or already used")]
    InvalidToken,
    #[error("another account has this address")]
    Taken,
    #[error("too many attempts")]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Mails a link to `new_email` that moves the account there; earlier links stop
/// working. Returns the address as it is kept.
pub async fn request(
    security: &Security,
    user: &users::Model,
    new_email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<String, EmailChangeError> {
    let new_email = new_email.trim();
    policy::check_email(new_email).map_err(EmailChangeError::Invalid)?;
    let new_email = user_store::normalize_email(new_email);
    if new_email == user.email {
        return Err(EmailChangeError::Same);
    }
    if user.password_hash == NO_PASSWORD {
        return Err(EmailChangeError::NoPassword);
    }
    if !password_confirms::<EmailChangeError>(security, user, password).await? {
        return Err(EmailChangeError::WrongPassword);
    }
    let db = &security.db;
    verification_tokens::revoke_all(db, &user.id, Purpose::ChangeEmail).await?;
    Event::new(Kind::EmailChangeRequested).user(user.id.as_str()).from(client).record(db).await;
    if user_store::find_by_email(db, &new_email).await?.is_none() {
        let ttl = security.config.mail.verify_email_ttl_secs;
        let token = verification_tokens::issue_email_change(db, &user.id, &new_email, ttl).await?;
        let t = security.languages.named(user.language.as_deref());
        send_later(security, messages::change_email(&t, &security.config.issuer, &new_email, &token, ttl));
    }
    Ok(new_email)
}

/// Moves the account to the address its link was mailed to, once; links mailed before
/// (password reset, address confirmation) stop working, and the old address is told.
/// Returns the account as it is now.
pub async fn confirm(security: &Security, token: &str, client: &ClientInfo) -> Result<users::Model, EmailChangeError> {
    let txn = security.db.begin().await?;
    let (user_id, new_email) =
        verification_tokens::redeem_email_change(&txn, token).await?.ok_or(EmailChangeError::InvalidToken)?;
    let old = user_store::find(&txn, &user_id).await?.ok_or(EmailChangeError::InvalidToken)?;
    match user_store::set_verified_email(&txn, &user_id, &new_email).await {
        Err(StoreError::Conflict(_)) => return Err(EmailChangeError::Taken),
        other => other?,
    }
    // Links mailed to the old address stop working with it.
    for purpose in [Purpose::ResetPassword, Purpose::VerifyEmail, Purpose::ChangeEmail] {
        verification_tokens::revoke_all(&txn, &user_id, purpose).await?;
    }
    Event::new(Kind::EmailChanged).user(user_id.as_str()).from(client).write(&txn).await?;
    let user = user_store::find(&txn, &user_id).await?.ok_or(EmailChangeError::InvalidToken)?;
    txn.commit().await?;
    let t = security.languages.named(old.language.as_deref());
    send_later(security, messages::email_changed(&t, &old.email));
    tracing::info!(%user_id, "email address changed");
    Ok(user)
}
