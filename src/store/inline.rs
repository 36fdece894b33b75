//! Reads run on the calling thread, for the checks made on every token use (SQLite
//! files only). sqlx runs each SQLite query on the connection's own thread, so every
//! query costs two thread switches and their wake-ups, which on a busy core cost more
//! than the query: a few index lookups in pages already cached. These reads run in
//! place instead, on connections of their own to the same file, each taken for the
//! length of one statement and never held across an await. Like the pooled readers,
//! each statement sees every transaction committed before it began.

use std::{
    path::PathBuf,
    sync::{Mutex, PoisonError},
    time::Duration,
};

use rusqlite::{
    Connection, OpenFlags, Row, params_from_iter,
    types::{ToSqlOutput, Value as SqlValue},
};
use sea_orm::sea_query::{SelectStatement, SqliteQueryBuilder, Value};

use super::StoreError;

/// How long a statement waits for a lock it cannot take at once; in WAL mode a
/// reader waits only while the log is being recovered after a crash.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

pub struct InlineReads {
    path: PathBuf,
    /// Connections not in use; at most as many as threads ever read at once.
    idle: Mutex<Vec<Connection>>,
}

impl InlineReads {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into(), idle: Mutex::default() }
    }

    /// The first row of `query`, read by `read`.
    pub fn query_one<T>(
        &self,
        query: &SelectStatement,
        read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        let (sql, values) = query.build(SqliteQueryBuilder);
        let connection = self.take()?;
        let row = {
            let mut statement = connection.prepare_cached(&sql)?;
            let mut rows = statement.query(params_from_iter(values.iter().map(Bound)))?;
            rows.next()?.map(read).transpose()
        };
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(connection);
        Ok(row?)
    }

    fn take(&self) -> Result<Connection, StoreError> {
        if let Some(connection) = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop() {
            return Ok(connection);
        }
        // Opened read-write so that it can join the write-ahead log's shared memory,
        // and then refuses every write.
        let connection = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        connection.busy_timeout(BUSY_TIMEOUT)?;
        connection.pragma_update(None, "query_only", true)?;
        Ok(connection)
    }
}

/// A value sea-query bound, as rusqlite binds it.
struct Bound<'a>(&'a Value);

impl rusqlite::ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let value = match self.0 {
            Value::String(Some(text)) => SqlValue::Text(text.clone()),
            Value::BigInt(Some(number)) => SqlValue::Integer(*number),
            Value::Int(Some(number)) => SqlValue::Integer((*number).into()),
            Value::Bool(Some(flag)) => SqlValue::Integer((*flag).into()),
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(format!("no inline binding for {other:?}").into()));
            }
        };
        Ok(ToSqlOutput::Owned(value))
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::sea_query::{Expr, ExprTrait, Query};

    use super::InlineReads;

    #[test]
    fn reads_what_another_connection_committed_and_refuses_to_write() {
        let dir = std::env::temp_dir().join(format!("mana-auth-inline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("inline.db");
        let writer = rusqlite::Connection::open(&path).expect("open");
        writer
            .execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER)")
            .expect("setup");
        let reads = InlineReads::new(&path);
        let query = Query::select().column("n").from("t").and_where(Expr::col("id").eq("a")).to_owned();

        assert_eq!(reads.query_one(&query, |row| row.get::<_, i64>(0)).expect("read"), None);
        writer.execute("INSERT INTO t VALUES ('a', 7)", []).expect("insert");
        assert_eq!(reads.query_one(&query, |row| row.get::<_, i64>(0)).expect("read"), Some(7));
        writer.execute("UPDATE t SET n = 8 WHERE id = 'a'", []).expect("update");
        assert_eq!(reads.query_one(&query, |row| row.get::<_, i64>(0)).expect("read"), Some(8), "seen at once");

        let connection = reads.take().expect("connection");
        assert!(connection.execute("DELETE FROM t", []).is_err(), "query only");
        drop(connection);
        std::fs::remove_dir_all(&dir).ok();
    }
}
