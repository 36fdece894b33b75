//! Linking and unlinking upstream identities, each in one transaction with its
//! security event: an identity belongs to one account, an account has at most one per
//! upstream, and the last way to sign in to an account stays.

use sea_orm::ConnectionTrait;
use serde_json::json;

use super::Identity;
use crate::{
    security::{
        audit::{Event, Kind},
        client::ClientInfo,
        sign_in_ways,
    },
    store::{
        StoreError,
        db::Db,
        upstream_identities::{self, NewIdentity},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("this identity is linked to another account")]
    LinkedElsewhere,
    #[error("the account has another identity at this provider; unlink it first")]
    OtherLinked,
    #[error("no identity at this provider is linked to the account")]
    NotLinked,
    #[error("this is the last way to sign in to the account; add another first")]
    LastWay,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// How a link came about, as its event says.
#[derive(Clone, Copy)]
pub enum How {
    /// From the account page.
    AccountPage,
    /// The person signed in with their password to link it.
    Password,
    /// The verified email addresses matched (`link_by_verified_email`).
    VerifiedEmail,
    /// The account was created for it.
    NewAccount,
}

impl How {
    fn as_str(self) -> &'static str {
        match self {
            How::AccountPage => "account_page",
            How::Password => "password",
            How::VerifiedEmail => "verified_email",
            How::NewAccount => "new_account",
        }
    }
}

/// Links `identity` from `upstream_id` to `user_id`. Linked to this account already,
/// it stays as it is.
pub async fn link(
    db: &Db,
    user_id: &str,
    upstream_id: &str,
    identity: &Identity,
    how: How,
    client: &ClientInfo,
) -> Result<(), LinkError> {
    let txn = db.begin().await?;
    match upstream_identities::find_by_subject(&txn, &identity.issuer, &identity.subject).await? {
        Some(linked) if linked.user_id == user_id => return Ok(()),
        Some(_) => return Err(LinkError::LinkedElsewhere),
        None => {}
    }
    link_in(&txn, user_id, upstream_id, identity, how, client).await?;
    txn.commit().await?;
    Ok(())
}

/// Links inside the caller's transaction, with its event.
pub async fn link_in(
    txn: &impl ConnectionTrait,
    user_id: &str,
    upstream_id: &str,
    identity: &Identity,
    how: How,
    client: &ClientInfo,
) -> Result<(), LinkError> {
    let new = NewIdentity {
        user_id,
        upstream_id,
        issuer: &identity.issuer,
        subject: &identity.subject,
        email: identity.email.as_deref(),
        username: identity.username.as_deref(),
    };
    upstream_identities::insert(txn, new).await.map_err(|err| match err {
        // Which of the two unique keys: the subject's, or the account's at this upstream.
        StoreError::Conflict(constraint) if constraint.contains("subject") => LinkError::LinkedElsewhere,
        StoreError::Conflict(_) => LinkError::OtherLinked,
        other => other.into(),
    })?;
    let linked = Event::new(Kind::UpstreamLinked).user(user_id).from(client);
    linked.details(json!({ "upstream": upstream_id, "how": how.as_str() })).write(txn).await?;
    Ok(())
}

/// Keeps the tokens of the linked `identity` as sealed, or forgets them.
pub async fn keep_tokens(db: &Db, identity: &Identity, kept_tokens: Option<Vec<u8>>) -> Result<(), StoreError> {
    upstream_identities::set_tokens(db, &identity.issuer, &identity.subject, kept_tokens).await
}

/// Unlinks the account's identity at `upstream_id`, unless it is its last way to sign in.
pub async fn unlink(db: &Db, user_id: &str, upstream_id: &str, client: &ClientInfo) -> Result<(), LinkError> {
    let txn = db.begin().await?;
    if !upstream_identities::remove(&txn, user_id, upstream_id).await? {
        return Err(LinkError::NotLinked);
    }
    if !sign_in_ways::any_left(&txn, user_id).await? {
        txn.rollback().await?;
        return Err(LinkError::LastWay);
    }
    let unlinked = Event::new(Kind::UpstreamUnlinked).user(user_id).from(client);
    unlinked.details(json!({ "upstream": upstream_id })).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// A sign-in with a linked identity, as it is recorded.
pub struct SignIn<'a> {
    pub user_id: &'a str,
    pub upstream_id: &'a str,
    pub identity: &'a Identity,
    /// The upstream's second factor counted.
    pub mfa: bool,
    /// The upstream's tokens as they are kept (sealed), or none.
    pub kept_tokens: Option<Vec<u8>>,
}

/// Records a sign-in with a linked identity: what the upstream now says of it, and its
/// tokens where they are kept (forgotten where they are not).
pub async fn signed_in(db: &Db, sign_in: SignIn<'_>, client: &ClientInfo) -> Result<(), StoreError> {
    let SignIn { user_id, upstream_id, identity, mfa, kept_tokens } = sign_in;
    let txn = db.begin().await?;
    let now_said = (identity.email.as_deref(), identity.username.as_deref());
    upstream_identities::used(&txn, &identity.issuer, &identity.subject, now_said).await?;
    upstream_identities::set_tokens(&txn, &identity.issuer, &identity.subject, kept_tokens).await?;
    let event = Event::new(Kind::UpstreamSignedIn).user(user_id).from(client);
    event.details(json!({ "upstream": upstream_id, "mfa": mfa })).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}
