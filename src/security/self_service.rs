//! Changes signed-in users make to their own account, the same from the account pages
//! and the API: profile, password, sessions, and the applications they let in. Each
//! change is written in one transaction with its security event.

use entity::users;
use serde_json::json;

use super::{
    audit::{Event, Kind},
    client::ClientInfo,
    context::Security,
    limits::{Subject, Throttled},
    passwords::PasswordError,
    policy::{self, Rule},
};
use crate::store::{self, StoreError, app_grants, auth_sessions, consents, db::Db};

#[derive(Debug, thiserror::Error)]
pub enum SelfServiceError {
    #[error("the current password is wrong")]
    WrongPassword,
    #[error("{0}")]
    Invalid(Rule),
    #[error("this username is taken")]
    UsernameTaken,
    #[error("too many attempts")]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Whether `password` is the user's, to confirm a change (a new password or email
/// address, turning two-step verification off, deleting the account). Each try counts:
/// at most `signin_per_account` a window for each account, so a session left open
/// cannot be used to guess the password.
pub async fn password_confirms<E: From<Throttled> + From<PasswordError>>(
    security: &Security,
    user: &users::Model,
    password: String,
) -> Result<bool, E> {
    let limit = security.config.security.rate_limit.signin_per_account;
    // By id: an email change must not start a fresh count.
    security.limiter.check("confirm", Subject::Account(&user.id), limit).await?;
    Ok(security.passwords.verify(password, Some(user.password_hash.clone())).await?)
}

/// A profile change: `None` leaves a field as it is, an empty text clears it.
#[derive(Default)]
pub struct ProfileChange {
    pub name: Option<String>,
    pub username: Option<String>,
}

/// Sets name and username after checking them; a username another account has is
/// refused. Writes `profile.changed` when anything changed.
pub async fn update_profile(
    db: &Db,
    user: &users::Model,
    change: ProfileChange,
    client: &ClientInfo,
) -> Result<(), SelfServiceError> {
    let cleared = |text: String| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
    let name = change.name.map_or(user.name.clone(), cleared);
    let username = change.username.map_or(user.username.clone(), cleared);
    let (name_changed, username_changed) = (name != user.name, username != user.username);
    // Only what changes is checked: an imported username the rules would refuse stays.
    if name_changed {
        name.as_deref().map_or(Ok(()), policy::check_name).map_err(SelfServiceError::Invalid)?;
    }
    if username_changed {
        username.as_deref().map_or(Ok(()), policy::check_username).map_err(SelfServiceError::Invalid)?;
    }
    let fields: Vec<&str> = [("name", name_changed), ("username", username_changed)]
        .into_iter()
        .filter(|(_, c)| *c)
        .map(|(f, _)| f)
        .collect();
    if fields.is_empty() {
        return Ok(());
    }
    let txn = db.begin().await?;
    match store::users::set_profile(&txn, &user.id, name, username).await {
        Err(StoreError::Conflict(_)) => return Err(SelfServiceError::UsernameTaken),
        other => other?,
    }
    let event = Event::new(Kind::ProfileChanged).user(user.id.as_str()).from(client);
    event.details(json!({ "fields": fields })).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// Changes the password after checking the current one, and ends every other session
/// of the user (`keep` is the caller's own); returns the ended sessions.
pub async fn change_password(
    security: &Security,
    user: &users::Model,
    current: String,
    new: String,
    keep: Option<&str>,
    client: &ClientInfo,
) -> Result<Vec<String>, SelfServiceError> {
    if !password_confirms::<SelfServiceError>(security, user, current).await? {
        return Err(SelfServiceError::WrongPassword);
    }
    policy::check_password(&new).map_err(SelfServiceError::Invalid)?;
    let hash = security.passwords.hash(new).await?;
    let txn = security.db.begin().await?;
    store::users::set_password_hash(&txn, &user.id, hash).await?;
    let ended = auth_sessions::end_all_except(&txn, &user.id, keep).await?;
    let event = Event::new(Kind::PasswordChanged).user(user.id.as_str()).from(client);
    event.details(json!({ "sessions_ended": ended.len() })).write(&txn).await?;
    txn.commit().await?;
    tracing::info!(user_id = %user.id, ended = ended.len(), "password changed");
    Ok(ended)
}

/// Ends one of the user's active sessions and revokes its refresh tokens; `false` when
/// the user has no such active session.
pub async fn end_session(db: &Db, user_id: &str, sid: &str, client: &ClientInfo) -> Result<bool, StoreError> {
    let owned = auth_sessions::find_active(db, sid).await?.is_some_and(|s| s.user_id == user_id);
    if !owned {
        return Ok(false);
    }
    let txn = db.begin().await?;
    let ended = auth_sessions::end(&txn, sid).await?;
    if ended {
        let event = Event::new(Kind::SessionEnded).user(user_id).from(client);
        event.details(json!({ "session": sid })).write(&txn).await?;
    }
    txn.commit().await?;
    Ok(ended)
}

/// Ends every active session of the user but `keep`; returns the ended ones.
pub async fn end_other_sessions(
    db: &Db,
    user_id: &str,
    keep: &str,
    client: &ClientInfo,
) -> Result<Vec<String>, StoreError> {
    let txn = db.begin().await?;
    let ended = auth_sessions::end_all_except(&txn, user_id, Some(keep)).await?;
    if !ended.is_empty() {
        let event = Event::new(Kind::SessionsRevokedAll).user(user_id).from(client);
        event.details(json!({ "sessions": ended.len(), "kept": keep })).write(&txn).await?;
    }
    txn.commit().await?;
    Ok(ended)
}

/// Takes back what the user let an application have: the consent, so it asks again,
/// and every refresh token the client holds for the user. `false` when it had neither.
pub async fn revoke_app(db: &Db, user_id: &str, client_id: &str, client: &ClientInfo) -> Result<bool, StoreError> {
    let txn = db.begin().await?;
    let consented = consents::remove(&txn, user_id, client_id).await?;
    let revoked = app_grants::revoke(&txn, user_id, client_id).await?;
    if !consented && revoked == 0 {
        return Ok(false);
    }
    let event = Event::new(Kind::ConsentRevoked).user(user_id).client(client_id).from(client);
    event.details(json!({ "consent": consented, "refresh_tokens": revoked })).write(&txn).await?;
    txn.commit().await?;
    Ok(true)
}
