//! Persistence, one file per aggregate. Every function takes `&impl ConnectionTrait`,
//! so the same call runs on the `Db` or inside a transaction the use case opened
//! (`Db::begin`) and commits.

pub mod app_grants;
pub mod auth_sessions;
pub mod bounded;
pub mod browser_sessions;
pub mod cleanup;
pub mod client_cache;
pub mod clients;
pub mod codes;
pub mod consents;
pub mod db;
pub mod device_codes;
pub mod dpop_proofs;
pub mod grant_status;
pub mod idempotency;
pub mod initial_access_tokens;
pub mod job_runs;
pub mod jwks;
pub mod ledger;
pub mod mfa;
pub mod notifications;
pub mod organizations;
pub mod passkey_ceremonies;
pub mod passkeys;
pub mod purchases;
pub mod pushed_requests;
pub mod refresh;
pub mod replica;
pub mod schema;
pub mod security_events;
pub mod setup_links;
pub mod successors;
pub mod upstream_identities;
pub mod upstream_logins;
pub mod upstreams;
pub mod user_directory;
pub mod users;
pub mod verification_tokens;

use sea_orm::{
    ActiveModelTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, RuntimeErr, SqlErr, TryInsertResult,
    sea_query::{Expr, IntoIden, Query, SimpleExpr},
};

/// What a store call can fail with, in the store's own terms; each surface maps these
/// to its statuses in one place (`ApiError`, `OAuthError`, `PageError`).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the row: the constraint's name on PostgreSQL, its
    /// table and columns on SQLite (`users.email`).
    #[error("already exists: {0}")]
    Conflict(String),
    /// The database cannot be reached or did not answer in time; callers answer 503.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// Stored data that does not read back as it was written.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("database: {0}")]
    Other(String),
}

impl StoreError {
    /// Whether the database itself is unreachable, which callers answer with 503.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

/// Whether `err` says the database went away or cannot serve for now.
pub(super) fn unreachable(err: &DbErr) -> bool {
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(err)) | DbErr::Query(RuntimeErr::SqlxError(err)) => match err.as_ref() {
            sea_orm::sqlx::Error::Database(err) => database_unavailable(err.as_ref()),
            err => matches!(
                err,
                sea_orm::sqlx::Error::Io(_)
                    | sea_orm::sqlx::Error::PoolTimedOut
                    | sea_orm::sqlx::Error::PoolClosed
                    | sea_orm::sqlx::Error::WorkerCrashed
                    | sea_orm::sqlx::Error::Tls(_)
            ),
        },
        _ => false,
    }
}

/// SQLite's result codes for a database file another connection holds.
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;

/// The errors a database answers while it goes away or cannot serve for now: on
/// PostgreSQL a connection exception (class 08), a shutdown (57P01-57P03, what each
/// pooled connection hears first after a restart) or too many connections (53300);
/// on SQLite a file another connection keeps locked past the busy timeout.
fn database_unavailable(err: &dyn sea_orm::sqlx::error::DatabaseError) -> bool {
    if let Some(err) = err.try_downcast_ref::<sea_orm::sqlx::postgres::PgDatabaseError>() {
        let code = err.code();
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "53300");
    }
    if err.try_downcast_ref::<sea_orm::sqlx::sqlite::SqliteError>().is_none() {
        return false;
    }
    // SQLite's extended result code; its low byte is the primary one.
    let primary = err.code().and_then(|code| code.parse::<i32>().ok()).map(|code| code & 0xff);
    matches!(primary, Some(SQLITE_BUSY | SQLITE_LOCKED))
}

/// The constraint a unique violation names: PostgreSQL's `… unique constraint "name"`,
/// SQLite's `UNIQUE constraint failed: table.column`.
fn constraint_of(detail: &str) -> String {
    let quoted = detail.split('"').nth(1).filter(|_| detail.contains("unique constraint"));
    let listed = detail.split_once("constraint failed: ").map(|(_, columns)| columns);
    quoted.or(listed).unwrap_or(detail).trim().to_owned()
}

impl From<DbErr> for StoreError {
    fn from(err: DbErr) -> Self {
        match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(detail)) => StoreError::Conflict(constraint_of(&detail)),
            _ if unreachable(&err) => StoreError::Unavailable(err.to_string()),
            _ => StoreError::Other(err.to_string()),
        }
    }
}

/// Writes `row` unless a row with its primary key is stored; returns whether it did.
/// Rows carried over from another system keep their ids, so writing them again is a no-op.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert_if_absent<A>(db: &impl ConnectionTrait, row: A) -> Result<bool, StoreError>
where
    A: ActiveModelTrait + Send,
{
    let result = <A::Entity as EntityTrait>::insert(row).on_conflict_do_nothing().exec_without_returning(db).await?;
    Ok(matches!(result, TryInsertResult::Inserted(rows) if rows > 0))
}

/// Seconds since the UNIX epoch: how every time is stored.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// Sets `column` to `value` in the single-use row matching `live`, marking it used, and
/// returns that row when this call did: of two concurrent redemptions one wins. The row
/// comes back from the same statement, so a clean-up that deletes used rows cannot
/// take it from its winner.
async fn claim_once<E: EntityTrait>(
    db: &impl ConnectionTrait,
    live: Condition,
    column: E::Column,
    value: impl Into<sea_orm::Value>,
) -> Result<Option<E::Model>, StoreError> {
    let claimed = E::update_many().col_expr(column, Expr::value(value)).filter(live).exec_with_returning(db).await?;
    Ok(claimed.into_iter().next())
}

/// `EXISTS (SELECT 1 FROM table WHERE condition)`, the 1 written in the SQL, not bound.
fn exists_in(table: impl IntoIden, condition: Condition) -> SimpleExpr {
    Expr::exists(Query::select().expr(Expr::cust("1")).from(table).cond_where(condition).to_owned())
}

#[cfg(test)]
mod tests {
    use super::constraint_of;

    #[test]
    fn a_conflict_names_its_constraint_on_either_engine() {
        let postgres = r#"duplicate key value violates unique constraint "idx_users_email""#;
        assert_eq!(constraint_of(postgres), "idx_users_email");
        assert_eq!(constraint_of("UNIQUE constraint failed: users.email"), "users.email");
        assert_eq!(constraint_of("something else"), "something else");
    }
}
