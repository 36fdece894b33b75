//! The account an upstream identity signs in to: the one it is linked to. An identity
//! not linked yet is matched by its email address only when the upstream says the
//! address is the person's: to the account with that address (at once where the
//! operator allows it and both sides confirmed the address, else after that account's
//! password), or to a new account where `auto_create` allows it, with the sign-up bonus
//! every new account gets. An unconfirmed address leads nowhere and says nothing of
//! which accounts exist.

use entity::users;
use serde_json::json;

use crate::{
    credits::{CreditsError, grants},
    security::{
        audit::{Event, Kind},
        passwords::NO_PASSWORD,
        policy::{check_email, check_name, check_username},
    },
    state::AppState,
    store::{
        StoreError, upstream_identities,
        users::{self as user_store, NewUser},
    },
    upstream::{
        Identity, Upstream,
        links::{self, How, LinkError},
    },
    web::{client_info::ClientInfo, page::PageError},
};

pub enum Outcome {
    Account(users::Model),
    /// An account has the identity's address: its password links them (the address).
    SignInToLink(String),
    /// No account to sign in to; the catalogue key says why.
    Refused(&'static str),
}

pub async fn account_for(
    state: &AppState,
    upstream: &Upstream,
    identity: &Identity,
    language: &str,
    client: &ClientInfo,
) -> Result<Outcome, PageError> {
    if let Some(linked) = upstream_identities::find_by_subject(&state.db, &identity.issuer, &identity.subject).await? {
        return Ok(match user_store::find_enabled(&state.db, &linked.user_id).await? {
            Some(user) => Outcome::Account(user),
            None => Outcome::Refused("upstream-account-disabled"),
        });
    }
    let Some(email) = identity.email.as_deref().filter(|e| check_email(e).is_ok()) else {
        return Ok(Outcome::Refused("upstream-no-email"));
    };
    if !identity.email_verified {
        return Ok(Outcome::Refused("upstream-unverified"));
    }
    match user_store::find_by_email(&state.db, email).await? {
        Some(user) => by_email(state, upstream, identity, user, client).await,
        None if upstream.config.auto_create => create(state, upstream, identity, email, language, client).await,
        None => Ok(Outcome::Refused("upstream-no-account")),
    }
}

/// The account with the identity's confirmed address: linked at once where the
/// operator allows it and the account confirmed its address too; else its password
/// links them.
async fn by_email(
    state: &AppState,
    upstream: &Upstream,
    identity: &Identity,
    user: users::Model,
    client: &ClientInfo,
) -> Result<Outcome, PageError> {
    let vouched = upstream.config.link_by_verified_email && user.email_verified && user.disabled_at.is_none();
    if !vouched {
        return Ok(Outcome::SignInToLink(user.email));
    }
    match links::link(&state.db, &user.id, upstream.id(), identity, How::VerifiedEmail, client).await {
        Ok(()) => Ok(Outcome::Account(user)),
        Err(LinkError::Store(err)) => Err(err.into()),
        // The account has another identity at this upstream.
        Err(_) => Ok(Outcome::SignInToLink(user.email)),
    }
}

/// A new account for the identity, without a password, its address confirmed by the
/// upstream, with the identity linked: one transaction.
async fn create(
    state: &AppState,
    upstream: &Upstream,
    identity: &Identity,
    email: &str,
    language: &str,
    client: &ClientInfo,
) -> Result<Outcome, PageError> {
    let username = match identity.username.as_deref().map(str::to_lowercase).filter(|u| check_username(u).is_ok()) {
        Some(username) if !user_store::username_taken(&state.db, &username).await? => Some(username),
        _ => None,
    };
    let new = NewUser {
        email: email.to_owned(),
        username,
        name: identity.name.clone().filter(|name| check_name(name).is_ok()),
        password_hash: NO_PASSWORD.into(),
        language: Some(language.to_owned()),
    };
    let created = Event::new(Kind::AccountCreated).from(client);
    let created = created.details(json!({ "channel": "upstream", "upstream": upstream.id() }));
    let txn = state.db.begin().await?;
    let user = match grants::create_account(&txn, &state.config.credits, new, created).await {
        Ok(user) => user,
        // The address was taken a moment ago by a sign-up racing this one.
        Err(CreditsError::Store(StoreError::Conflict(_))) => return Ok(Outcome::SignInToLink(email.to_owned())),
        Err(err) => return Err(PageError::Internal(err.to_string())),
    };
    user_store::set_verified_email(&txn, &user.id, email).await?;
    links::link_in(&txn, &user.id, upstream.id(), identity, How::NewAccount, client).await.map_err(
        |err| match err {
            LinkError::Store(err) => PageError::from(err),
            other => PageError::Internal(other.to_string()),
        },
    )?;
    txn.commit().await?;
    Ok(Outcome::Account(users::Model { email_verified: true, ..user }))
}
