//! Persistence, one file per aggregate. Functions take `&impl ConnectionTrait`
//! so the same call runs inside a transaction or outside one; those a grouped write
//! runs take `&impl Exec`, which a group on the SQLite writer also is (see `exec`); the
//! reads made on every token use take the `Db` itself, which runs them inline on SQLite
//! (see `inline`).

pub mod auth_sessions;
pub mod bounded;
pub mod browser_sessions;
pub mod cleanup;
pub mod client_cache;
pub mod clients;
pub mod codes;
pub mod consents;
pub mod db;
pub mod exec;
pub mod grant_status;
pub mod grouped;
pub mod idempotency;
pub mod inline;
pub mod jwks;
pub mod keyed;
pub mod ledger;
pub mod mfa;
pub mod organizations;
pub mod purchases;
pub mod refresh;
pub mod row;
pub mod security_events;
pub mod successors;
pub mod users;
pub mod verification_tokens;
pub mod writer_txn;

use sea_orm::{
    Condition, DbErr, RuntimeErr, SqlErr,
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
fn unreachable(err: &DbErr) -> bool {
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
    matches!(primary, Some(rusqlite::ffi::SQLITE_BUSY | rusqlite::ffi::SQLITE_LOCKED))
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

impl From<rusqlite::Error> for StoreError {
    fn from(err: rusqlite::Error) -> Self {
        let unique = [rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE, rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY];
        let unavailable = [
            rusqlite::ErrorCode::CannotOpen,
            rusqlite::ErrorCode::SystemIoFailure,
            rusqlite::ErrorCode::DatabaseBusy,
            rusqlite::ErrorCode::DatabaseLocked,
        ];
        match &err {
            rusqlite::Error::SqliteFailure(failure, detail) if unique.contains(&failure.extended_code) => {
                StoreError::Conflict(constraint_of(&detail.clone().unwrap_or_else(|| failure.to_string())))
            }
            _ if err.sqlite_error_code().is_some_and(|code| unavailable.contains(&code)) => {
                StoreError::Unavailable(err.to_string())
            }
            _ => StoreError::Other(err.to_string()),
        }
    }
}

/// The writer's queue cannot be reached: it failed, or the database is being closed.
fn unavailable() -> StoreError {
    StoreError::Unavailable("the writer's queue is closed".into())
}

/// What each write of a group that failed with `err` is told (see `grouped`, `successors`).
fn failed_with(err: &StoreError) -> StoreError {
    if err.is_unavailable() { unavailable() } else { StoreError::Other(format!("writing a group of writes: {err}")) }
}

/// Seconds since the UNIX epoch: how every time is stored.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
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
