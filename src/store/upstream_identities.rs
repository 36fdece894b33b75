//! Identities at upstream providers linked to accounts: an issuer and subject belong
//! to one account, and an account has at most one identity per upstream.

use entity::upstream_identities::{self, Entity as Identities};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};

use super::{StoreError, now};
use crate::security::opaque::new_id;

pub struct NewIdentity<'a> {
    pub user_id: &'a str,
    pub upstream_id: &'a str,
    pub issuer: &'a str,
    pub subject: &'a str,
    pub email: Option<&'a str>,
    pub username: Option<&'a str>,
}

/// Links an identity; one the account or another already has is a `Conflict`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(db: &impl ConnectionTrait, new: NewIdentity<'_>) -> Result<upstream_identities::Model, StoreError> {
    let row = upstream_identities::ActiveModel {
        id: Set(new_id()),
        user_id: Set(new.user_id.to_owned()),
        upstream_id: Set(new.upstream_id.to_owned()),
        issuer: Set(new.issuer.to_owned()),
        subject: Set(new.subject.to_owned()),
        email: Set(new.email.map(str::to_owned)),
        username: Set(new.username.map(str::to_owned)),
        tokens: Set(None),
        created_at: Set(now()),
        last_used_at: Set(None),
    };
    Ok(Identities::insert(row).exec_with_returning(db).await?)
}

/// The identity `subject` at `issuer`.
fn of_subject(issuer: &str, subject: &str) -> Condition {
    Condition::all()
        .add(upstream_identities::Column::Issuer.eq(issuer))
        .add(upstream_identities::Column::Subject.eq(subject))
}

/// The identity of the account `user_id` at `upstream_id`.
fn of_account_at(user_id: &str, upstream_id: &str) -> Condition {
    Condition::all()
        .add(upstream_identities::Column::UserId.eq(user_id))
        .add(upstream_identities::Column::UpstreamId.eq(upstream_id))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_subject(
    db: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
) -> Result<Option<upstream_identities::Model>, StoreError> {
    Ok(Identities::find().filter(of_subject(issuer, subject)).one(db).await?)
}

/// The account's identities, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<upstream_identities::Model>, StoreError> {
    Ok(Identities::find()
        .filter(upstream_identities::Column::UserId.eq(user_id))
        .order_by_asc(upstream_identities::Column::CreatedAt)
        .all(db)
        .await?)
}

/// How many identities are linked at each upstream, by its id.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_by_upstream(db: &impl ConnectionTrait) -> Result<Vec<(String, u64)>, StoreError> {
    let counts: Vec<(String, i64)> = Identities::find()
        .select_only()
        .column(upstream_identities::Column::UpstreamId)
        .column_as(upstream_identities::Column::Id.count(), "linked")
        .group_by(upstream_identities::Column::UpstreamId)
        .into_tuple()
        .all(db)
        .await?;
    Ok(counts.into_iter().map(|(id, count)| (id, u64::try_from(count).unwrap_or_default())).collect())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn count_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<u64, StoreError> {
    Ok(Identities::find().filter(upstream_identities::Column::UserId.eq(user_id)).count(db).await?)
}

/// Records a sign-in with the identity `subject` at `issuer`, and what the upstream now
/// says of it (`now_said`: its email address and username).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn used(
    db: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
    now_said: (Option<&str>, Option<&str>),
) -> Result<(), StoreError> {
    let (email, username) = now_said;
    Identities::update_many()
        .col_expr(upstream_identities::Column::LastUsedAt, Expr::value(now()))
        .col_expr(upstream_identities::Column::Email, Expr::value(email))
        .col_expr(upstream_identities::Column::Username, Expr::value(username))
        .filter(of_subject(issuer, subject))
        .exec(db)
        .await?;
    Ok(())
}

/// Keeps the sealed tokens of the identity `subject` at `issuer`, or forgets them (`None`).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_tokens(
    db: &impl ConnectionTrait,
    issuer: &str,
    subject: &str,
    sealed: Option<Vec<u8>>,
) -> Result<(), StoreError> {
    Identities::update_many()
        .col_expr(upstream_identities::Column::Tokens, Expr::value(sealed))
        .filter(of_subject(issuer, subject))
        .exec(db)
        .await?;
    Ok(())
}

/// The account's identity at `upstream_id`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn of_user_at(
    db: &impl ConnectionTrait,
    user_id: &str,
    upstream_id: &str,
) -> Result<Option<upstream_identities::Model>, StoreError> {
    Ok(Identities::find().filter(of_account_at(user_id, upstream_id)).one(db).await?)
}

/// Unlinks the account's identity at `upstream_id`; false when it has none there.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(db: &impl ConnectionTrait, user_id: &str, upstream_id: &str) -> Result<bool, StoreError> {
    let removed = Identities::delete_many().filter(of_account_at(user_id, upstream_id)).exec(db).await?;
    Ok(removed.rows_affected > 0)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all_of_user(db: &impl ConnectionTrait, user_id: &str) -> Result<u64, StoreError> {
    let removed = Identities::delete_many().filter(upstream_identities::Column::UserId.eq(user_id)).exec(db).await?;
    Ok(removed.rows_affected)
}

/// Unlinks every identity of the upstream `upstream_id`, when it is deleted; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_all_at(db: &impl ConnectionTrait, upstream_id: &str) -> Result<u64, StoreError> {
    let at = upstream_identities::Column::UpstreamId.eq(upstream_id);
    Ok(Identities::delete_many().filter(at).exec(db).await?.rows_affected)
}
