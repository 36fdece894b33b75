//! Users: accounts that sign in with an email and a password.

use entity::users::{self, Entity as Users};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr,
};
use unicode_normalization::UnicodeNormalization;

use super::{StoreError, now};
use crate::security::opaque::new_id;

pub struct NewUser {
    pub email: String,
    pub username: Option<String>,
    pub name: Option<String>,
    pub password_hash: String,
    /// The language the account signed up in, for its mails.
    pub language: Option<String>,
}

/// The one form an email is stored and looked up in: NFKC (UAX #15) and lower case, so
/// look-alike twins (fullwidth letters, composed and decomposed accents, any case) are one
/// address, and the domain in its ASCII form (IDNA, UTS #46). An address in lower-case
/// ASCII, as every stored one was before, is its own normal form.
pub fn normalize_email(email: &str) -> String {
    let folded = email.trim().nfkc().collect::<String>().to_lowercase();
    let ascii_domain = folded.rsplit_once('@').and_then(|(local, domain)| {
        idna::domain_to_ascii(domain).ok().filter(|d| d != domain).map(|d| format!("{local}@{d}"))
    });
    ascii_domain.unwrap_or(folded)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &impl ConnectionTrait, new: NewUser) -> Result<users::Model, StoreError> {
    let at = now();
    let user = users::ActiveModel {
        id: Set(new_id()),
        email: Set(normalize_email(&new.email)),
        username: Set(new.username),
        name: Set(new.name),
        password_hash: Set(new.password_hash),
        email_verified: Set(false),
        role: Set("user".into()),
        language: Set(new.language),
        disabled_at: Set(None),
        created_at: Set(at),
        updated_at: Set(at),
    };
    Ok(Users::insert(user).exec_with_returning(db).await?)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_by_email(db: &impl ConnectionTrait, email: &str) -> Result<Option<users::Model>, StoreError> {
    Ok(Users::find().filter(users::Column::Email.eq(normalize_email(email))).one(db).await?)
}

/// The account, locked inside the caller's transaction (PostgreSQL; SQLite runs write
/// transactions one at a time), so changes to its ways of signing in take turns.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn lock(txn: &impl ConnectionTrait, id: &str) -> Result<Option<users::Model>, StoreError> {
    Ok(Users::find_by_id(id.to_owned()).lock_exclusive().one(txn).await?)
}

/// Whether an account has `username`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn username_taken(db: &impl ConnectionTrait, username: &str) -> Result<bool, StoreError> {
    Ok(Users::find().filter(users::Column::Username.eq(username)).one(db).await?.is_some())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<users::Model>, StoreError> {
    Ok(Users::find_by_id(id.to_owned()).one(db).await?)
}

/// Sets the display name and the username; a username another account has is a
/// `Conflict`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_profile(
    db: &impl ConnectionTrait,
    id: &str,
    name: Option<String>,
    username: Option<String>,
) -> Result<(), StoreError> {
    Users::update_many()
        .col_expr(users::Column::Name, Expr::value(name))
        .col_expr(users::Column::Username, Expr::value(username))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_password_hash(db: &impl ConnectionTrait, id: &str, password_hash: String) -> Result<(), StoreError> {
    Users::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(password_hash))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes every user's password: an empty hash is an account without one, on which
/// every password fails as a wrong one. Returns how many users.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn clear_all_passwords(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let cleared = Users::update_many()
        .col_expr(users::Column::PasswordHash, Expr::value(""))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .exec(db)
        .await?;
    Ok(cleared.rows_affected)
}

/// The id, email and language of every user but the deleted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn all_addresses(db: &impl ConnectionTrait) -> Result<Vec<(String, String, Option<String>)>, StoreError> {
    let living = Users::find().filter(users::Column::Role.ne(DELETED_ROLE));
    let columns = [users::Column::Id, users::Column::Email, users::Column::Language];
    Ok(living.select_only().columns(columns).into_tuple().all(db).await?)
}

/// Makes the account a tombstone: its id stays (a `sub` is never given to anyone else,
/// and the ledger keeps naming it), everything that identified a person goes. The email
/// becomes an address under the reserved `.invalid` domain, which no one can type in to
/// sign in, and the password hash one that matches no password.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn erase(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    Users::update_many()
        .col_expr(users::Column::Email, Expr::value(format!("{id}@deleted.invalid")))
        .col_expr(users::Column::Username, Expr::value(Option::<String>::None))
        .col_expr(users::Column::Name, Expr::value(Option::<String>::None))
        .col_expr(users::Column::PasswordHash, Expr::value(""))
        .col_expr(users::Column::EmailVerified, Expr::value(false))
        .col_expr(users::Column::Role, Expr::value(DELETED_ROLE))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// The role of an erased account.
pub const DELETED_ROLE: &str = "deleted";
/// The role of an administrator.
pub const ADMIN_ROLE: &str = "admin";

/// Whether any account is an administrator.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn any_admin(db: &impl ConnectionTrait) -> Result<bool, StoreError> {
    Ok(Users::find().filter(users::Column::Role.eq(ADMIN_ROLE)).one(db).await?.is_some())
}

/// The account `id` when it may sign in: not disabled.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn find_enabled(db: &impl ConnectionTrait, id: &str) -> Result<Option<users::Model>, StoreError> {
    Ok(find(db, id).await?.filter(|user| user.disabled_at.is_none()))
}

/// Disables the account (`Some(at)`) or enables it again (`None`); `false` when that
/// changed nothing. An administrator's account is never disabled: its role goes first,
/// so no one locks the admin pages away.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_disabled(db: &impl ConnectionTrait, id: &str, at: Option<i64>) -> Result<bool, StoreError> {
    let updated = Users::update_many()
        .col_expr(users::Column::DisabledAt, Expr::value(at))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(id))
        .filter(match at {
            Some(_) => {
                Condition::all().add(users::Column::DisabledAt.is_null()).add(users::Column::Role.ne(ADMIN_ROLE))
            }
            None => Condition::all().add(users::Column::DisabledAt.is_not_null()),
        })
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Sets the user's role; `false` when there is no such user.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_role(db: &impl ConnectionTrait, id: &str, role: &str) -> Result<bool, StoreError> {
    let updated = Users::update_many()
        .col_expr(users::Column::Role, Expr::value(role))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Moves the account to `email`, confirmed; an address another account has is a
/// `Conflict`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_verified_email(db: &impl ConnectionTrait, id: &str, email: &str) -> Result<(), StoreError> {
    Users::update_many()
        .col_expr(users::Column::Email, Expr::value(normalize_email(email)))
        .col_expr(users::Column::EmailVerified, Expr::value(true))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn mark_email_verified(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    Users::update_many()
        .col_expr(users::Column::EmailVerified, Expr::value(true))
        .col_expr(users::Column::UpdatedAt, Expr::value(now()))
        .filter(users::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
