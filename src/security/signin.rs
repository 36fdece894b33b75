//! A sign-in, checked the same way on the hosted page and in the native API: rate
//! limits per address and per account, the account lockout, the password, the second
//! step where the account has one, and the audit trail. An unknown email and a wrong
//! password get the same answer in the same time, and lock alike, so neither tells
//! whether an account exists. A wrong code counts toward the lockout like a wrong
//! password, and only a complete sign-in (the password, then the code where two-step
//! verification is on) clears the count, so codes cannot be guessed between passwords.
//! A password that still has the hash another service made (carried over by an
//! import) gets our Argon2id hash at its first sign-in.

use entity::users;
use serde_json::json;

use webauthn_rs::prelude::PublicKeyCredential;

use super::{
    audit::{Event, Kind},
    limits::{Subject, Throttled},
    mfa::{self, MfaError},
    passkeys::{PasskeyError, Passkeys},
    passwords::{PasswordError, Passwords},
    scrypt_hash,
};
use crate::{
    security::client::ClientInfo,
    security::context::Security,
    store::{self, StoreError},
};

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("invalid email or password")]
    Invalid,
    #[error("too many attempts")]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// An accepted password.
pub enum SignedIn {
    /// The sign-in is complete.
    Complete(users::Model),
    /// A second step is owed: `second_step` (a code) or `second_step_with_passkey`
    /// completes the sign-in.
    SecondStep(users::Model),
}

/// What a second step may be done with.
pub struct SecondFactors {
    pub code: bool,
    pub passkey: bool,
}

impl SecondFactors {
    pub async fn of(security: &Security, user_id: &str) -> Result<SecondFactors, StoreError> {
        let code = store::mfa::enabled(&security.db, user_id).await?;
        Ok(SecondFactors { code, passkey: has_passkey(security, user_id).await? })
    }

    pub fn any(&self) -> bool {
        self.code || self.passkey
    }
}

/// Whether the user has a passkey that can be used: with passkeys on.
async fn has_passkey(security: &Security, user_id: &str) -> Result<bool, StoreError> {
    Ok(security.passkeys.is_some() && store::passkeys::count_of_user(&security.db, user_id).await? > 0)
}

/// Checks `email` and `password` arriving through `channel` (`page` or `api`). A
/// second step is owed with two-step verification on, or when the request asks for
/// more than a password (`mfa_asked`) and the account has a passkey.
pub async fn sign_in(
    security: &Security,
    channel: &'static str,
    email: &str,
    password: String,
    mfa_asked: bool,
    client: &ClientInfo,
) -> Result<SignedIn, SignInError> {
    let limits = &security.config.security.rate_limit;
    security.limiter.check_address("signin", client, limits.signin_per_ip).await?;
    security.limiter.check("signin", Subject::Account(email), limits.signin_per_account).await?;
    security.limiter.check_unlocked(email).await?;

    let found = store::users::find_by_email(&security.db, email).await?;
    let proof = password.clone();
    let valid = security.passwords.verify(password, found.as_ref().map(|u| u.password_hash.clone())).await?;
    let known = found.as_ref().map(|u| u.id.clone());
    // A disabled account is answered as a wrong password.
    let Some(user) = found.filter(|user| valid && user.disabled_at.is_none()) else {
        let failed = Event::new(Kind::SignInFailed).user(known.as_deref()).from(client);
        failed.details(json!({ "channel": channel })).record(&security.db).await;
        count_failure(security, channel, email, known.as_deref(), client).await;
        return Err(SignInError::Invalid);
    };
    if !Passwords::is_current(&user.password_hash) {
        rehash(security, &user, proof).await?;
    }
    if second_step_owed(security, &user.id, mfa_asked).await? {
        return Ok(SignedIn::SecondStep(user));
    }
    completed(security, channel, &user, client).await;
    Ok(SignedIn::Complete(user))
}

/// Whether a first factor of `user_id` must be followed by a second: with two-step
/// verification on, or when the request asks for more (`mfa_asked`) and the account
/// has a passkey. The passkeys are looked up only then.
pub async fn second_step_owed(security: &Security, user_id: &str, mfa_asked: bool) -> Result<bool, StoreError> {
    Ok(store::mfa::enabled(&security.db, user_id).await? || (mfa_asked && has_passkey(security, user_id).await?))
}

/// The second step of the sign-in of `user_id`, whose password was accepted: refused
/// while the account is locked, and a wrong code counts toward the lockout.
pub async fn second_step(
    security: &Security,
    channel: &'static str,
    user_id: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<users::Model, MfaError> {
    // Disabled since its password was accepted: as a wrong code, not counted.
    let user = store::users::find_enabled(&security.db, user_id).await?.ok_or(MfaError::WrongCode)?;
    security.limiter.check_unlocked(&user.email).await?;
    match mfa::verify(security, &user.id, code, client).await {
        Ok(()) => {
            completed(security, channel, &user, client).await;
            Ok(user)
        }
        Err(MfaError::WrongCode) => {
            count_failure(security, channel, &user.email, Some(&user.id), client).await;
            Err(MfaError::WrongCode)
        }
        Err(err) => Err(err),
    }
}

/// The second step with a passkey, for `user_id` whose first factor was accepted:
/// refused while the account is locked, and an answer that is refused counts toward
/// the lockout like a wrong code. Returns the user and whether the passkey may be
/// synced between devices (`amr::passkey`).
pub async fn second_step_with_passkey(
    security: &Security,
    rp: &Passkeys,
    channel: &'static str,
    user_id: &str,
    flow_id: &str,
    answer: &PublicKeyCredential,
    client: &ClientInfo,
) -> Result<(users::Model, bool), PasskeyError> {
    let disabled = || PasskeyError::Refused("the account is disabled".into());
    let user = store::users::find_enabled(&security.db, user_id).await?.ok_or_else(disabled)?;
    security.limiter.check_unlocked(&user.email).await?;
    match rp.finish_second_step(security, &user.id, flow_id, answer, client).await {
        Ok(synced) => {
            completed(security, channel, &user, client).await;
            Ok((user, synced))
        }
        Err(PasskeyError::Refused(reason)) => {
            count_failure(security, channel, &user.email, Some(&user.id), client).await;
            Err(PasskeyError::Refused(reason))
        }
        Err(err) => Err(err),
    }
}

/// Replaces a hash carried over from another service with Argon2id, now that the
/// password is known to match it: a hash of the password as that service read it.
async fn rehash(security: &Security, user: &users::Model, password: String) -> Result<(), SignInError> {
    let password =
        if scrypt_hash::is_scrypt(&user.password_hash) { scrypt_hash::normalize(&password) } else { password };
    let hash = security.passwords.hash(password).await?;
    store::users::set_password_hash(&security.db, &user.id, hash).await?;
    tracing::info!(user_id = %user.id, "password hash upgraded to Argon2id");
    Ok(())
}

/// Counts a failed password or code against `email`, and locks the account once
/// there are too many.
async fn count_failure(
    security: &Security,
    channel: &'static str,
    email: &str,
    user_id: Option<&str>,
    client: &ClientInfo,
) {
    tracing::info!(channel, "sign-in failed");
    security.sign_in_failures.with_label_values(&[channel]).inc();
    if let Some(seconds) = security.limiter.sign_in_failed(email).await {
        tracing::warn!(channel, seconds, "account locked after failed sign-ins");
        let locked = Event::new(Kind::AccountLocked).user(user_id).from(client).details(json!({ "seconds": seconds }));
        locked.record(&security.db).await;
    }
}

/// A complete sign-in clears the account's failures.
pub async fn completed(security: &Security, channel: &'static str, user: &users::Model, client: &ClientInfo) {
    security.limiter.sign_in_succeeded(&user.email).await;
    let succeeded = Event::new(Kind::SignInSucceeded).user(user.id.as_str()).from(client);
    succeeded.details(json!({ "channel": channel })).record(&security.db).await;
}
