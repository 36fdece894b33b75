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
    state::AppState,
    store::{
        StoreError, auth_sessions, users as user_store,
        verification_tokens::{self, Purpose},
    },
    web::client_info::ClientInfo,
};

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    #[error("the link is invalid, expired or already used")]
    InvalidToken,
    #[error("{0}")]
    WeakPassword(&'static str),
    #[error("too many requests")]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// Sends `mail` after the answer; a failure is logged, never shown to the requester.
fn send_later(state: &AppState, mail: Mail) {
    let mailer = state.mailer.clone();
    tokio::spawn(async move {
        if let Err(err) = mailer.send(mail).await {
            tracing::error!(error = %err, "mail not sent");
        }
    });
}

/// Mails a new account the link that confirms its address.
pub async fn send_verification(state: &AppState, user: &users::Model) -> Result<(), StoreError> {
    let ttl = state.config.mail.verify_email_ttl_secs;
    let token = verification_tokens::issue(&state.db, &user.id, Purpose::VerifyEmail, ttl).await?;
    send_later(state, messages::verify_email(&state.config.issuer, &user.email, &token));
    Ok(())
}

/// Someone signed up with an address that has an account: its owner hears of it,
/// the one who tried learns nothing.
pub fn tell_owner_of_signup_attempt(state: &AppState, email: &str) {
    send_later(state, messages::signup_attempt(&state.config.issuer, email));
}

/// Starts a password reset for `email`. The answer is the same for every address;
/// only the rate limits can refuse it.
pub async fn request_reset(state: &AppState, email: &str, client: &ClientInfo) -> Result<(), Throttled> {
    let limits = &state.config.security.rate_limit;
    state.limiter.check_address("reset", client, limits.reset_per_ip).await?;
    state.limiter.check("reset", Subject::Account(email), limits.reset_per_account).await?;
    let (state, email) = (state.clone(), email.to_owned());
    tokio::spawn(async move {
        if let Err(err) = mail_reset_link(&state, &email).await {
            tracing::error!(error = %err, "password reset not started");
        }
    });
    Ok(())
}

async fn mail_reset_link(state: &AppState, email: &str) -> Result<(), StoreError> {
    let Some(user) = user_store::find_by_email(&state.db, email).await? else { return Ok(()) };
    let ttl = state.config.mail.reset_password_ttl_secs;
    let token = verification_tokens::issue(&state.db, &user.id, Purpose::ResetPassword, ttl).await?;
    send_later(state, messages::reset_password(&state.config.issuer, &user.email, &token, ttl));
    Ok(())
}

/// Sets a new password with a reset link: once, in one transaction that also ends every
/// session, revokes every refresh token and voids the user's other reset links.
pub async fn reset_password(
    state: &AppState,
    token: &str,
    new_password: String,
    client: &ClientInfo,
) -> Result<(), RecoveryError> {
    policy::check_password(&new_password).map_err(RecoveryError::WeakPassword)?;
    let hash = state.passwords.hash(new_password).await?;
    let txn = state.db.begin().await.map_err(StoreError::from)?;
    let user_id =
        verification_tokens::redeem(&txn, token, Purpose::ResetPassword).await?.ok_or(RecoveryError::InvalidToken)?;
    user_store::set_password_hash(&txn, &user_id, hash).await?;
    verification_tokens::revoke_all(&txn, &user_id, Purpose::ResetPassword).await?;
    let ended = auth_sessions::end_all_of_user(&txn, &user_id).await?;
    // Whoever reads the mail controls the address: it is verified too.
    user_store::mark_email_verified(&txn, &user_id).await?;
    let user = user_store::find(&txn, &user_id).await?;
    txn.commit().await.map_err(StoreError::from)?;
    if let Some(user) = user {
        state.limiter.sign_in_succeeded(&user.email).await;
    }
    tracing::info!(%user_id, ended, "password reset");
    let event = Event::new(Kind::PasswordReset).user(user_id.as_str()).from(client);
    event.details(json!({ "sessions_ended": ended })).record(&state.db).await;
    Ok(())
}

/// Confirms an address with its link; returns the user.
pub async fn verify_email(state: &AppState, token: &str, client: &ClientInfo) -> Result<String, RecoveryError> {
    let txn = state.db.begin().await.map_err(StoreError::from)?;
    let user_id =
        verification_tokens::redeem(&txn, token, Purpose::VerifyEmail).await?.ok_or(RecoveryError::InvalidToken)?;
    user_store::mark_email_verified(&txn, &user_id).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Event::new(Kind::EmailVerified).user(user_id.as_str()).from(client).record(&state.db).await;
    Ok(user_id)
}
