//! A password sign-in, checked the same way on the hosted page and in the native API:
//! rate limits per address and per account, the account lockout, the password, and
//! the audit trail. An unknown email and a wrong password get the same answer in the
//! same time, and lock alike, so neither tells whether an account exists.

use entity::users;
use serde_json::json;

use super::{
    audit::{Event, Kind},
    limits::{Subject, Throttled},
    passwords::PasswordError,
};
use crate::{state::AppState, store::StoreError, web::client_info::ClientInfo};

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

/// Checks `email` and `password` arriving through `channel` (`page` or `api`).
pub async fn sign_in(
    state: &AppState,
    channel: &'static str,
    email: &str,
    password: String,
    client: &ClientInfo,
) -> Result<users::Model, SignInError> {
    let limits = &state.config.security.rate_limit;
    state.limiter.check_address("signin", client, limits.signin_per_ip).await?;
    state.limiter.check("signin", Subject::Account(email), limits.signin_per_account).await?;
    state.limiter.check_unlocked(email).await?;

    let found = crate::store::users::find_by_email(&state.db, email).await?;
    let valid = state.passwords.verify(password, found.as_ref().map(|u| u.password_hash.clone())).await?;
    let known = found.as_ref().map(|u| u.id.clone());
    let Some(user) = found.filter(|_| valid) else {
        tracing::info!(channel, "sign-in failed");
        state.metrics.sign_in_failures.with_label_values(&[channel]).inc();
        let locked_for = state.limiter.sign_in_failed(email).await;
        let known = known.as_deref();
        let failed = Event::new(Kind::SignInFailed).user(known).from(client).details(json!({ "channel": channel }));
        failed.record(&state.db).await;
        if let Some(seconds) = locked_for {
            tracing::warn!(channel, seconds, "account locked after failed sign-ins");
            let locked =
                Event::new(Kind::AccountLocked).user(known).from(client).details(json!({ "seconds": seconds }));
            locked.record(&state.db).await;
        }
        return Err(SignInError::Invalid);
    };
    state.limiter.sign_in_succeeded(email).await;
    let succeeded = Event::new(Kind::SignInSucceeded).user(user.id.as_str()).from(client);
    succeeded.details(json!({ "channel": channel })).record(&state.db).await;
    Ok(user)
}
