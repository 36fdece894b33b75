//! Reads run on the calling thread, for the reads made on every token use (the grant
//! status, userinfo's subject, the refresh token being rotated or introspected), on
//! SQLite files only. sqlx runs each SQLite query on the connection's own thread, so
//! every query costs two thread switches and their wake-ups, which on a busy core cost
//! more than the query: a few index lookups in cached pages. These reads run in place
//! instead, on connections of their own to the same file, each taken for the length of
//! one statement and never held across an await. Like the pooled readers, each
//! statement sees every transaction committed before it began.

use std::{
    path::PathBuf,
    sync::{Arc, Mutex, PoisonError},
    time::Duration,
};

use rusqlite::{
    Connection, OpenFlags, Params, Row, Statement, params_from_iter,
    types::{ToSqlOutput, Value as SqlValue, ValueRef},
};
use sea_orm::{
    FromQueryResult,
    sea_query::{Value, Values},
};
use serde::de::DeserializeOwned;

use super::{
    StoreError,
    row::{Decode, StoreRow},
};

pub struct InlineReads {
    path: PathBuf,
    /// How long a statement waits for a lock it cannot take at once
    /// (`database.statement_timeout_secs`); in WAL mode a reader waits only while the
    /// log is being recovered after a crash.
    busy_timeout: Duration,
    /// Connections not in use; at most as many as threads ever read at once.
    idle: Mutex<Vec<Connection>>,
}

impl InlineReads {
    pub fn new(path: impl Into<PathBuf>, busy_timeout: Duration) -> Self {
        Self { path: path.into(), busy_timeout, idle: Mutex::default() }
    }

    /// The first row of `sql` bound to `values`, decoded by `decode`; `names` keeps
    /// the statement's column names.
    pub fn query_one<D: Decode>(
        &self,
        sql: &str,
        values: &Values,
        names: &ColumnNames,
        decode: D,
    ) -> Result<Option<D::Output>, StoreError> {
        let connection = self.take()?;
        let decoded = first_row(&connection, sql, values, names, decode);
        self.idle.lock().unwrap_or_else(PoisonError::into_inner).push(connection);
        decoded
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
        connection.busy_timeout(self.busy_timeout)?;
        connection.pragma_update(None, "query_only", true)?;
        Ok(connection)
    }
}

fn first_row<D: Decode>(
    connection: &Connection,
    sql: &str,
    values: &Values,
    names: &ColumnNames,
    decode: D,
) -> Result<Option<D::Output>, StoreError> {
    let mut statement = connection.prepare_cached(sql)?;
    let mut rows = statement.query(bind(values.iter()))?;
    let Some(row) = rows.next()? else { return Ok(None) };
    decode.decode(&InlineRow::new(row, names)).map(Some)
}

/// The column names of one statement with a prefix stripped, kept per prefix: every
/// row of a statement has the same columns.
pub struct ColumnNames(Mutex<Vec<(String, Arc<[String]>)>>);

impl Default for ColumnNames {
    fn default() -> Self {
        Self::new()
    }
}

impl ColumnNames {
    pub const fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }

    /// Each column's name without `prefix`; empty, a name no field has, for a column
    /// without it.
    fn under(&self, prefix: &str, statement: &Statement) -> Arc<[String]> {
        let mut kept = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, names)) = kept.iter().find(|(kept_prefix, _)| kept_prefix == prefix) {
            return names.clone();
        }
        let names: Arc<[String]> = statement
            .column_names()
            .into_iter()
            .map(|name| name.strip_prefix(prefix).unwrap_or_default().to_owned())
            .collect();
        kept.push((prefix.to_owned(), names.clone()));
        names
    }
}

/// A row read inline; models are deserialized from it by column name.
pub(super) struct InlineRow<'a, 'stmt> {
    row: &'a Row<'stmt>,
    names: &'a ColumnNames,
}

impl<'a, 'stmt> InlineRow<'a, 'stmt> {
    /// `row`, whose statement's column names `names` keeps.
    pub(super) fn new(row: &'a Row<'stmt>, names: &'a ColumnNames) -> Self {
        Self { row, names }
    }

    fn names_under(&self, prefix: &str) -> Arc<[String]> {
        self.names.under(prefix, self.row.as_ref())
    }

    fn model_named<M: DeserializeOwned>(&self, names: &[String]) -> Result<M, StoreError> {
        serde_rusqlite::from_row_with_columns(self.row, names)
            .map_err(|err| StoreError::Corrupt(format!("a row read inline: {err}")))
    }
}

impl StoreRow for InlineRow<'_, '_> {
    fn model<M: FromQueryResult + DeserializeOwned>(&self, prefix: &str) -> Result<M, StoreError> {
        self.model_named(&self.names_under(prefix))
    }

    fn joined<M: FromQueryResult + DeserializeOwned>(&self, prefix: &str) -> Result<Option<M>, StoreError> {
        let names = self.names_under(prefix);
        for (index, name) in names.iter().enumerate() {
            if !name.is_empty() && self.row.get_ref(index)? != ValueRef::Null {
                return self.model_named(&names).map(Some);
            }
        }
        Ok(None)
    }

    fn flag(&self, column: &str) -> Result<bool, StoreError> {
        Ok(self.row.get(column)?)
    }
}

/// The values sea-query bound to a statement, as rusqlite binds them.
pub(super) fn bind<'a>(values: impl Iterator<Item = &'a Value> + 'a) -> impl Params + 'a {
    params_from_iter(values.map(Bound))
}

/// A value sea-query bound, as rusqlite binds it.
struct Bound<'a>(&'a Value);

impl rusqlite::ToSql for Bound<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        let value = match self.0 {
            Value::String(Some(text)) => return Ok(ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes()))),
            Value::String(None) | Value::BigInt(None) | Value::Int(None) | Value::Bool(None) => SqlValue::Null,
            Value::BigInt(Some(number)) => SqlValue::Integer(*number),
            Value::Int(Some(number)) => SqlValue::Integer((*number).into()),
            Value::Bool(Some(flag)) => SqlValue::Integer((*flag).into()),
            // A LIMIT is bound unsigned.
            Value::BigUnsigned(Some(number)) => SqlValue::Integer(
                i64::try_from(*number).map_err(|err| rusqlite::Error::ToSqlConversionFailure(err.into()))?,
            ),
            other => {
                return Err(rusqlite::Error::ToSqlConversionFailure(format!("no inline binding for {other:?}").into()));
            }
        };
        Ok(ToSqlOutput::Owned(value))
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{
        FromQueryResult,
        sea_query::{Alias, Expr, ExprTrait, JoinType, Query, SelectStatement, SqliteQueryBuilder},
    };
    use serde::Deserialize;

    use super::{ColumnNames, InlineReads};
    use crate::store::{
        StoreError,
        row::{Decode, StoreRow},
    };

    #[derive(Debug, PartialEq, Deserialize, FromQueryResult)]
    struct Item {
        n: i64,
        ok: bool,
        note: Option<String>,
    }

    /// The item (columns prefixed `A_`), the joined item (`B_`) and a flag.
    struct Joined;

    impl Decode for Joined {
        type Output = (Item, Option<Item>, bool);

        fn decode(self, row: &impl StoreRow) -> Result<Self::Output, StoreError> {
            Ok((row.model("A_")?, row.joined("B_")?, row.flag("any")?))
        }
    }

    /// The first row of `query`, its column names kept in `names`.
    fn read_one<D: Decode>(
        reads: &InlineReads,
        query: &SelectStatement,
        names: &ColumnNames,
        decode: D,
    ) -> Result<Option<D::Output>, StoreError> {
        let (sql, values) = query.build(SqliteQueryBuilder);
        reads.query_one(&sql, &values, names, decode)
    }

    /// The flag `any` alone.
    struct Flag;

    impl Decode for Flag {
        type Output = bool;

        fn decode(self, row: &impl StoreRow) -> Result<bool, StoreError> {
            row.flag("any")
        }
    }

    #[test]
    fn reads_what_another_connection_committed_and_refuses_to_write() {
        let dir = std::env::temp_dir().join(format!("mana-auth-inline-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("inline.db");
        let writer = rusqlite::Connection::open(&path).expect("open");
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL;
                 CREATE TABLE t (id varchar PRIMARY KEY, n INTEGER, ok boolean, note TEXT, other varchar)",
            )
            .expect("setup");
        let reads = InlineReads::new(&path, std::time::Duration::from_secs(5));
        let (a, b) = (Alias::new("a"), Alias::new("b"));
        let mut query = Query::select();
        for column in ["n", "ok", "note"] {
            query.expr_as(Expr::col((a.clone(), Alias::new(column))), Alias::new(format!("A_{column}")));
            query.expr_as(Expr::col((b.clone(), Alias::new(column))), Alias::new(format!("B_{column}")));
        }
        query
            .expr_as(
                Expr::exists(Query::select().expr(Expr::val(1)).from("t").and_where(Expr::col("n").gt(7)).to_owned()),
                "any",
            )
            .from_as("t", a.clone())
            .join_as(
                JoinType::LeftJoin,
                Alias::new("t"),
                b.clone(),
                Expr::col((a.clone(), Alias::new("other"))).equals((b.clone(), Alias::new("id"))),
            )
            .and_where(Expr::col((a.clone(), Alias::new("id"))).eq("a"))
            .limit(1);
        // One set of kept names for every read, as a kept statement has.
        let names = ColumnNames::new();
        let read = || read_one(&reads, &query, &names, Joined).expect("read");

        assert!(read().is_none());
        writer.execute("INSERT INTO t VALUES ('a', 7, 1, NULL, 'b')", []).expect("insert");
        let item = Item { n: 7, ok: true, note: None };
        assert_eq!(read(), Some((item, None, false)), "seen at once; nothing joined");
        writer.execute("INSERT INTO t VALUES ('b', 8, 0, 'x', NULL)", []).expect("insert");
        let (_, joined, any) = read().expect("row");
        assert_eq!(joined, Some(Item { n: 8, ok: false, note: Some("x".into()) }));
        assert!(any);

        let connection = reads.take().expect("connection");
        assert!(connection.execute("DELETE FROM t", []).is_err(), "query only");
        drop(connection);
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_value_without_an_inline_binding_is_refused_not_guessed() {
        let dir = std::env::temp_dir().join(format!("mana-auth-inline-binding-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("binding.db");
        rusqlite::Connection::open(&path).expect("create").execute_batch("PRAGMA journal_mode = WAL").expect("wal");
        let query = Query::select().expr_as(Expr::val(1.5), "any").to_owned();
        let err =
            read_one(&InlineReads::new(&path, std::time::Duration::from_secs(5)), &query, &ColumnNames::new(), Flag)
                .expect_err("a float has no inline binding");
        assert!(matches!(err, StoreError::Other(_)), "{err}");
        assert!(!err.is_unavailable());
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn a_database_file_that_is_gone_is_reported_unavailable() {
        let reads = InlineReads::new(
            std::env::temp_dir().join("mana-auth-inline-missing").join("none.db"),
            std::time::Duration::from_secs(5),
        );
        let query = Query::select().expr(Expr::val(1)).to_owned();
        let err = read_one(&reads, &query, &ColumnNames::new(), Joined).expect_err("no file, and none is created");
        assert!(err.is_unavailable(), "{err}");
    }
}
