//! `mana-auth user add` and `user delete`; an administrator signing a user out
//! everywhere, disabling and enabling an account.

use crate::store::db::Db;
use entity::users::Model as User;
use sea_orm::ConnectionTrait;
use serde_json::json;

use super::clients::AdminError;
use crate::{
    config::CreditsConfig,
    credits::{CreditsError, grants},
    oidc::backchannel::notify_clients_and_wait,
    security::{
        audit::{Event, Kind},
        context::Security,
        erasure::{self, By, ErasureError},
        passwords::Passwords,
        policy::check_new_account,
        recovery,
    },
    state::AppState,
    store::{StoreError, auth_sessions, mfa, refresh, users as user_store, users::NewUser},
};

pub struct AddUser {
    pub email: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub password: String,
}

/// Creates the user with its signup bonus.
pub async fn add(db: &Db, passwords: &Passwords, credits: &CreditsConfig, new: AddUser) -> Result<User, AdminError> {
    check_new_account(&new.email, &new.password, new.username.as_deref())
        .map_err(|rule| AdminError::Invalid(rule.message.into()))?;
    let password_hash = passwords.hash(new.password).await.map_err(|e| AdminError::Invalid(e.to_string()))?;
    let user = NewUser { email: new.email, username: new.username, name: new.name, password_hash, language: None };
    let created = Event::new(Kind::AccountCreated).details(json!({ "by": "operator" }));
    grants::register(db, credits, user, created).await.map_err(|e| match e {
        CreditsError::Store(StoreError::Conflict(_)) => {
            AdminError::Invalid("a user with this email or username already exists".into())
        }
        other => AdminError::Invalid(other.to_string()),
    })
}

/// The user with this email, or a refusal naming it.
pub async fn by_email(db: &Db, email: &str) -> Result<User, AdminError> {
    user_store::find_by_email(db, email)
        .await?
        .ok_or_else(|| AdminError::Invalid(format!("no user with the email {email}")))
}

/// Deletes the account with this email (see `security::erasure`) and waits for its
/// clients' back-channel logouts; returns its id.
pub async fn delete(state: &AppState, email: &str) -> Result<String, AdminError> {
    let user = by_email(&state.db, email).await?;
    let ended = erasure::erase(&state.db, &user.id, By::Operator).await.map_err(|e| match e {
        ErasureError::Store(err) => AdminError::Store(err),
        other => AdminError::Invalid(other.to_string()),
    })?;
    notify_clients_and_wait(state, &ended, &user.id).await;
    Ok(user.id)
}

/// Ends every session of the user and revokes every refresh token, inside `txn`;
/// returns the ended sessions, for back-channel logout.
async fn sign_out_everywhere(txn: &impl ConnectionTrait, user_id: &str) -> Result<Vec<String>, StoreError> {
    let ended = auth_sessions::end_all_except(txn, user_id, None).await?;
    refresh::revoke_user(txn, user_id).await?;
    Ok(ended)
}

/// Signs the user out everywhere, with the event naming the administrator, in one
/// transaction.
pub async fn end_sessions(db: &Db, user_id: &str, admin_id: &str) -> Result<Vec<String>, StoreError> {
    let txn = db.begin().await?;
    let ended = sign_out_everywhere(&txn, user_id).await?;
    let details = json!({ "admin": admin_id, "sessions_ended": ended.len() });
    Event::new(Kind::AdminSessionsEnded).user(user_id).details(details).write(&txn).await?;
    txn.commit().await?;
    Ok(ended)
}

/// Disables the account and signs it out everywhere, in one transaction: it can
/// neither sign in nor refresh until enabled again. `None` when it was disabled
/// already, or is an administrator's.
pub async fn disable(db: &Db, user_id: &str, admin_id: &str) -> Result<Option<Vec<String>>, StoreError> {
    let txn = db.begin().await?;
    if !user_store::set_disabled(&txn, user_id, Some(crate::store::now())).await? {
        return Ok(None);
    }
    let ended = sign_out_everywhere(&txn, user_id).await?;
    let details = json!({ "admin": admin_id, "sessions_ended": ended.len() });
    Event::new(Kind::AdminUserDisabled).user(user_id).details(details).write(&txn).await?;
    txn.commit().await?;
    Ok(Some(ended))
}

/// Lets a disabled account sign in again; `false` when it was not disabled.
pub async fn enable(db: &Db, user_id: &str, admin_id: &str) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    if !user_store::set_disabled(&txn, user_id, None).await? {
        return Ok(false);
    }
    Event::new(Kind::AdminUserEnabled).user(user_id).details(json!({ "admin": admin_id })).write(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// Turns the account's authenticator-app step off (its recovery codes go with it), with
/// the event naming the administrator; `false` when it had none. Passkeys stay.
pub async fn reset_second_step(db: &Db, user_id: &str, admin_id: &str) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    if mfa::find(&txn, user_id).await?.is_none() {
        return Ok(false);
    }
    mfa::remove(&txn, user_id).await?;
    Event::new(Kind::AdminMfaReset).user(user_id).details(json!({ "admin": admin_id })).write(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// Mails the account a link that sets a new password, with the event naming the
/// administrator.
pub async fn send_reset_mail(security: &Security, user: &User, admin_id: &str) -> Result<(), StoreError> {
    recovery::send_reset_link(security, user).await?;
    let details = json!({ "admin": admin_id });
    Event::new(Kind::AdminResetMailSent).user(user.id.as_str()).details(details).write(&security.db).await
}
