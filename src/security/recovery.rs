//! Email verification and password reset through mailed single-use links. Requests
//! that name an email answer the same whether it has an account or not: the lookup
//! and the mail happen after the answer, in the background.

use entity::users;
use serde_json::json;

use super::{
    audit::{Event, Kind},
    limits::{Subject, Throttled},
    passwords::PasswordError,
    policy,
};
use crate::{
    mail::{Mail, messages},
    security::client::ClientInfo,
    security::context::Security,
    store::{
        StoreError, auth_sessions, users as user_store,
        verification_tokens::{self, Purpose},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("the link is invalid, expired or already used")]
    InvalidToken,
    #[error("{0}")]
    WeakPassword(policy::Rule),
    #[error("too many requests")]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// Sends `mail` after the answer; a failure is logged, never shown to the requester.
pub(super) fn send_later(security: &Security, mail: Mail) {
    let mailer = security.mailer.clone();
    tokio::spawn(async move {
        if let Err(err) = mailer.send(mail).await {
            tracing::error!(error = %err, "mail not sent");
        }
    });
}

/// Mails a new account the link that confirms its address.
pub async fn send_verification(security: &Security, user: &users::Model) -> Result<(), StoreError> {
    let ttl = security.config.mail.verify_email_ttl_secs;
    let token = verification_tokens::issue(&security.db, &user.id, Purpose::VerifyEmail, ttl).await?;
    let t = security.languages.named(user.language.as_deref());
    send_later(security, messages::verify_email(&t, &security.config.issuer, &user.email, &token));
    Ok(())
}

/// Someone signed up with an address that has an account: its owner hears of it,
/// the one who tried learns nothing.
pub fn tell_owner_of_signup_attempt(security: &Security, owner: &users::Model) {
    let t = security.languages.named(owner.language.as_deref());
    send_later(security, messages::signup_attempt(&t, &security.config.issuer, &owner.email));
}

/// Starts a password reset for `email`. The answer is the same for every address;
/// only the rate limits can refuse it.
pub async fn request_reset(security: &Security, email: &str, client: &ClientInfo) -> Result<(), Throttled> {
    let limits = &security.config.security.rate_limit;
    security.limiter.check_address("reset", client, limits.reset_per_ip).await?;
    security.limiter.check("reset", Subject::Account(email), limits.reset_per_account).await?;
    let (security, email) = (security.clone(), email.to_owned());
    tokio::spawn(async move {
        if let Err(err) = mail_reset_link(&security, &email).await {
            tracing::error!(error = %err, "password reset not started");
        }
    });
    Ok(())
}

async fn mail_reset_link(security: &Security, email: &str) -> Result<(), StoreError> {
    match user_store::find_by_email(&security.db, email).await? {
        Some(user) => send_reset_link(security, &user).await,
        None => Ok(()),
    }
}

/// Mails the account a link that sets a new password.
pub async fn send_reset_link(security: &Security, user: &users::Model) -> Result<(), StoreError> {
    let ttl = security.config.mail.reset_password_ttl_secs;
    let token = verification_tokens::issue(&security.db, &user.id, Purpose::ResetPassword, ttl).await?;
    let t = security.languages.named(user.language.as_deref());
    send_later(security, messages::reset_password(&t, &security.config.issuer, &user.email, &token, ttl));
    Ok(())
}

/// Sets a new password with a reset link: once, in one transaction that also ends every
/// session, revokes every refresh token and voids the user's other reset links.
pub async fn reset_password(
    security: &Security,
    token: &str,
    new_password: String,
    client: &ClientInfo,
) -> Result<(), RecoveryError> {
    policy::check_password(&new_password).map_err(RecoveryError::WeakPassword)?;
    let hash = security.passwords.hash(new_password).await?;
    let txn = security.db.begin().await?;
    let user_id =
        verification_tokens::redeem(&txn, token, Purpose::ResetPassword).await?.ok_or(RecoveryError::InvalidToken)?;
    user_store::set_password_hash(&txn, &user_id, hash).await?;
    verification_tokens::revoke_all(&txn, &user_id, Purpose::ResetPassword).await?;
    let ended = auth_sessions::end_all_of_user(&txn, &user_id).await?;
    // Whoever reads the mail controls the address: it is verified too.
    user_store::mark_email_verified(&txn, &user_id).await?;
    let user = user_store::find(&txn, &user_id).await?;
    let event = Event::new(Kind::PasswordReset).user(user_id.as_str()).from(client);
    event.details(json!({ "sessions_ended": ended })).write(&txn).await?;
    txn.commit().await?;
    if let Some(user) = user {
        security.limiter.sign_in_succeeded(&user.email).await;
    }
    tracing::info!(%user_id, ended, "password reset");
    Ok(())
}

/// Confirms an address with its link; returns the user.
pub async fn verify_email(security: &Security, token: &str, client: &ClientInfo) -> Result<String, RecoveryError> {
    let txn = security.db.begin().await?;
    let user_id =
        verification_tokens::redeem(&txn, token, Purpose::VerifyEmail).await?.ok_or(RecoveryError::InvalidToken)?;
    user_store::mark_email_verified(&txn, &user_id).await?;
    Event::new(Kind::EmailVerified).user(user_id.as_str()).from(client).write(&txn).await?;
    txn.commit().await?;
    Ok(user_id)
}
