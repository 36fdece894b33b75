//! Mailed single-use tokens: issued as a secret, stored as its digest, redeemed once
//! before they expire.

use entity::verification_tokens::{self, Entity as VerificationTokens};
use sea_orm::{ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{StoreError, claim_once, now};
use crate::security::opaque::{digest, new_secret};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
    /// The second step of an API sign-in.
    MfaLogin,
    /// A new address for an account, confirmed from that address.
    ChangeEmail,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
            Purpose::MfaLogin => "mfa_login",
            Purpose::ChangeEmail => "change_email",
        }
    }
}

/// Issues a token for `user_id`; returns the secret to mail.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn issue(
    db: &impl ConnectionTrait,
    user_id: &str,
    purpose: Purpose,
    ttl_secs: i64,
) -> Result<String, StoreError> {
    insert(db, user_id, purpose, ttl_secs, None).await
}

/// Issues the token that moves the account of `user_id` to `new_email`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn issue_email_change(
    db: &impl ConnectionTrait,
    user_id: &str,
    new_email: &str,
    ttl_secs: i64,
) -> Result<String, StoreError> {
    insert(db, user_id, Purpose::ChangeEmail, ttl_secs, Some(new_email.to_owned())).await
}

async fn insert(
    db: &impl ConnectionTrait,
    user_id: &str,
    purpose: Purpose,
    ttl_secs: i64,
    new_email: Option<String>,
) -> Result<String, StoreError> {
    let secret = new_secret();
    let at = now();
    let row = verification_tokens::ActiveModel {
        id: Set(digest(&secret)),
        user_id: Set(user_id.to_owned()),
        purpose: Set(purpose.as_str().to_owned()),
        created_at: Set(at),
        expires_at: Set(at + ttl_secs),
        used_at: Set(None),
        new_email: Set(new_email),
    };
    VerificationTokens::insert(row).exec_without_returning(db).await?;
    Ok(secret)
}

/// Redeems `secret` once: the user it was issued to, or `None` when it is unknown,
/// of another purpose, expired or already used. Two concurrent redemptions: one wins.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn redeem(db: &impl ConnectionTrait, secret: &str, purpose: Purpose) -> Result<Option<String>, StoreError> {
    Ok(claim(db, secret, purpose).await?.map(|row| row.user_id))
}

/// Redeems an email-change token once, as `redeem`: the user and the new address.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn redeem_email_change(
    db: &impl ConnectionTrait,
    secret: &str,
) -> Result<Option<(String, String)>, StoreError> {
    let row = claim(db, secret, Purpose::ChangeEmail).await?;
    Ok(row.and_then(|row| Some((row.user_id, row.new_email?))))
}

async fn claim(
    db: &impl ConnectionTrait,
    secret: &str,
    purpose: Purpose,
) -> Result<Option<verification_tokens::Model>, StoreError> {
    let id = digest(secret);
    let at = now();
    let live = Condition::all()
        .add(verification_tokens::Column::Id.eq(id.as_str()))
        .add(verification_tokens::Column::Purpose.eq(purpose.as_str()))
        .add(verification_tokens::Column::UsedAt.is_null())
        .add(verification_tokens::Column::ExpiresAt.gt(at));
    claim_once::<VerificationTokens>(db, live, verification_tokens::Column::UsedAt, at).await
}

/// The user a live token of `purpose` was issued to, without using it up.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn peek(db: &impl ConnectionTrait, secret: &str, purpose: Purpose) -> Result<Option<String>, StoreError> {
    let row = VerificationTokens::find_by_id(digest(secret)).one(db).await?;
    Ok(row.filter(|r| r.purpose == purpose.as_str() && r.used_at.is_none() && r.expires_at > now()).map(|r| r.user_id))
}

/// Every other unused token of this purpose stops working, e.g. older reset links once
/// one of them was used.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_all(db: &impl ConnectionTrait, user_id: &str, purpose: Purpose) -> Result<u64, StoreError> {
    Ok(VerificationTokens::update_many()
        .col_expr(verification_tokens::Column::UsedAt, Expr::value(now()))
        .filter(verification_tokens::Column::UserId.eq(user_id))
        .filter(verification_tokens::Column::Purpose.eq(purpose.as_str()))
        .filter(verification_tokens::Column::UsedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}

/// Deletes every token of the user, whatever its purpose.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<(), StoreError> {
    VerificationTokens::delete_many().filter(verification_tokens::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(())
}

/// Deletes used and expired tokens; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let done = Condition::any()
        .add(verification_tokens::Column::UsedAt.is_not_null())
        .add(verification_tokens::Column::ExpiresAt.lte(now()));
    Ok(VerificationTokens::delete_many().filter(done).exec(db).await?.rows_affected)
}
