//! The accounts as administrators see them: found by part of an email, name or
//! username, a page at a time; and the administrator role taken back safely.

use entity::users::{self, Entity as Users};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Condition, Expr, ExprTrait, Func, LikeExpr},
};

use super::{
    StoreError,
    users::{ADMIN_ROLE, DELETED_ROLE, set_role},
};

/// Accounts (not the erased) whose email, name or username holds `text`, ignoring
/// case, ordered by email: `limit` of them after skipping `offset`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn search(
    db: &impl ConnectionTrait,
    text: &str,
    offset: u64,
    limit: u64,
) -> Result<Vec<users::Model>, StoreError> {
    let mut query = Users::find().filter(users::Column::Role.ne(DELETED_ROLE));
    let text = text.trim().to_lowercase();
    if !text.is_empty() {
        let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let like = |column: users::Column| {
            Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(&pattern).escape('\\'))
        };
        query = query.filter(
            Condition::any()
                .add(like(users::Column::Email))
                .add(like(users::Column::Name))
                .add(like(users::Column::Username)),
        );
    }
    Ok(query.order_by_asc(users::Column::Email).offset(offset).limit(limit).all(db).await?)
}

/// How many accounts there are (not the erased), and how many administrators.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn counts(db: &impl ConnectionTrait) -> Result<(u64, u64), StoreError> {
    let accounts = Users::find().filter(users::Column::Role.ne(DELETED_ROLE)).count(db).await?;
    let admins = Users::find().filter(users::Column::Role.eq(ADMIN_ROLE)).count(db).await?;
    Ok((accounts, admins))
}

/// What taking the administrator role back did.
#[derive(Debug, PartialEq, Eq)]
pub enum Revoked {
    Done,
    /// The account is not an administrator: nothing to do.
    NotAdmin,
    /// The account is the last administrator, and stays one.
    Last,
}

/// Takes the administrator role from `user_id` inside the caller's transaction. The
/// administrators are locked first, in one order, so two administrators taking it from
/// each other at once cannot leave none (PostgreSQL); SQLite runs write transactions
/// one at a time.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_admin(txn: &impl ConnectionTrait, user_id: &str) -> Result<Revoked, StoreError> {
    let admins = Users::find()
        .filter(users::Column::Role.eq(ADMIN_ROLE))
        .order_by_asc(users::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await?;
    if !admins.iter().any(|admin| admin.id == user_id) {
        return Ok(Revoked::NotAdmin);
    }
    if admins.len() == 1 {
        return Ok(Revoked::Last);
    }
    set_role(txn, user_id, "user").await?;
    Ok(Revoked::Done)
}
