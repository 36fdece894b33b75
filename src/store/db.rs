//! Opening the database (SQLite in WAL mode by default, PostgreSQL by URL) and migrating it.
//!
//! SQLite lets one connection write at a time. The others wait in its busy handler,
//! which sleeps and retries in growing steps (up to 100 ms a step) in no order, so
//! under concurrent writes a few requests wait half a second. On SQLite every write
//! therefore goes through one writer connection: writers queue for it in this process,
//! first come first served, and readers use the other connections, which in WAL mode
//! never wait for the writer. On PostgreSQL both are the same pool.

use std::{path::Path, sync::Arc, time::Duration};

use async_trait::async_trait;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, ExecResult,
    IsolationLevel, QueryResult, Statement, TransactionTrait,
    sea_query::{SelectStatement, Values},
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use super::{
    StoreError,
    bounded::{Txn, bounded},
    exec::WriteTxn,
    grouped::{GroupedWrites, Work},
    inline::{ColumnNames, InlineReads},
    keyed::KeyedRead,
    row::Decode,
    successors::SuccessorWrites,
};
use crate::config::DatabaseConfig;

/// The database, split into readers and the writer (the same pool but on SQLite).
#[derive(Clone)]
pub struct Db {
    readers: DatabaseConnection,
    writer: DatabaseConnection,
    /// For an SQLite file: reads run on the calling thread (see `inline`).
    inline: Option<Arc<InlineReads>>,
    /// For an SQLite file: rotations' successors are written in groups (see `successors`).
    successors: Option<Arc<SuccessorWrites>>,
    /// For an SQLite file: writes that queue are committed in groups (see `grouped`).
    grouped: Option<Arc<GroupedWrites>>,
    /// How long a statement may take before the database counts as unreachable.
    limit: Duration,
}

/// Names the engine only: the pools' options hold the database URL and its password.
impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.get_database_backend()).finish_non_exhaustive()
    }
}

impl Db {
    /// A write transaction, on the writer.
    pub async fn begin(&self) -> Result<Txn, DbErr> {
        Ok(Txn::new(bounded(self.limit, self.writer.begin()).await?, Some(self.limit)))
    }

    /// Runs `work` in a write transaction, kept when it succeeds: on an SQLite file in a
    /// group with the writes queued beside it (see `grouped`), elsewhere alone.
    pub async fn write<T, E>(&self, work: impl Work<T, E>) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        if let Some(grouped) = &self.grouped {
            return grouped.write(work).await;
        }
        let txn = self.begin().await.map_err(StoreError::from)?;
        let outcome = work(WriteTxn::Pool(&txn)).await;
        let ended = if outcome.is_ok() { txn.commit().await } else { txn.rollback().await };
        ended.map_err(StoreError::from)?;
        outcome
    }

    /// A read-only transaction that sees one consistent state of every table
    /// (repeatable read on PostgreSQL, a WAL snapshot on SQLite), beside the writer.
    /// Only its start is bounded in time: a backup reads whole tables in it.
    pub async fn begin_read(&self) -> Result<Txn, DbErr> {
        let begun = match self.readers.get_database_backend() {
            DbBackend::Postgres => {
                let config =
                    self.readers.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly));
                bounded(self.limit, config).await?
            }
            _ => bounded(self.limit, self.readers.begin()).await?,
        };
        Ok(Txn::new(begun, None))
    }

    /// One row of a read made on every request, decoded by `decode`: on an SQLite file
    /// read on the calling thread (see `inline`), otherwise through the readers.
    pub async fn read_one<D: Decode>(
        &self,
        query: &SelectStatement,
        decode: D,
    ) -> Result<Option<D::Output>, StoreError> {
        let statement = self.get_database_backend().build(query);
        self.read_sql(statement.sql, statement.values.unwrap_or(Values(Vec::new())), &ColumnNames::new(), decode).await
    }

    /// As `read_one`, for the statement `read` keeps, bound to `key`.
    pub async fn read_by_key<D: Decode>(
        &self,
        read: &KeyedRead,
        key: &str,
        decode: D,
    ) -> Result<Option<D::Output>, StoreError> {
        let (sql, values) = read.statement(self.get_database_backend(), key)?;
        self.read_sql(sql, values, read.names(), decode).await
    }

    /// One row of `sql` bound to `values`; `names` keeps its column names when read inline.
    async fn read_sql<D: Decode>(
        &self,
        sql: impl AsRef<str> + Into<String>,
        values: Values,
        names: &ColumnNames,
        decode: D,
    ) -> Result<Option<D::Output>, StoreError> {
        match &self.inline {
            Some(inline) => inline.query_one(sql.as_ref(), &values, names, decode),
            None => {
                let statement = Statement::from_sql_and_values(self.get_database_backend(), sql, values.0);
                let row = bounded(self.limit, self.readers.query_one_raw(statement)).await?;
                row.map(|row| decode.decode(&row)).transpose()
            }
        }
    }

    /// The queue that writes rotations' successors in groups, on an SQLite file.
    pub fn successor_writes(&self) -> Option<&SuccessorWrites> {
        self.successors.as_deref()
    }

    #[cfg(test)]
    fn reads_inline(&self) -> bool {
        self.inline.is_some()
    }

    pub async fn ping(&self) -> Result<(), DbErr> {
        bounded(self.limit, self.readers.ping()).await?;
        bounded(self.limit, self.writer.ping()).await
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.readers.close().await?;
        self.writer.close().await
    }
}

#[async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.readers.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        bounded(self.limit, self.writer.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        bounded(self.limit, self.writer.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        bounded(self.limit, self.route(&stmt).query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        bounded(self.limit, self.route(&stmt).query_all_raw(stmt)).await
    }
}

impl Db {
    /// Queries go to the readers; `INSERT … RETURNING` and its kin are writes.
    fn route(&self, stmt: &Statement) -> &DatabaseConnection {
        if is_select(&stmt.sql) { &self.readers } else { &self.writer }
    }
}

fn is_select(sql: &str) -> bool {
    sql.trim_start().get(..6).is_some_and(|word| word.eq_ignore_ascii_case("select"))
}

/// Connects, creating the SQLite file and its folder on first start.
pub async fn connect(config: &DatabaseConfig) -> Result<Db, DbErr> {
    let url = config.url.expose();
    let file = sqlite_path(url);
    if let Some(dir) = file.and_then(|path| Path::new(path).parent()).filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let readers = if file.is_some() { sqlite_readers(config.max_connections) } else { config.max_connections };
    let readers = Database::connect(options(config, readers, file.is_some())).await?;
    // An in-memory SQLite database exists once per pool, so it keeps a single pool.
    let writer = if file.is_some() { Database::connect(options(config, 1, true)).await? } else { readers.clone() };
    let limit = Duration::from_secs(config.statement_timeout_secs);
    let inline = file.map(|path| Arc::new(InlineReads::new(path, limit)));
    let successors = file.map(|_| Arc::new(SuccessorWrites::start(writer.clone())));
    let grouped = file.map(|_| Arc::new(GroupedWrites::start(writer.get_sqlite_connection_pool().clone())));
    Ok(Db { readers, writer, inline, successors, grouped, limit })
}

/// Readers of an SQLite file: each is a thread of its own that runs its queries on the
/// CPU, so more than two per core add memory (a page cache and an allocator arena
/// each), not throughput.
fn sqlite_readers(max_connections: u32) -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    max_connections.min(2 * cores)
}

fn options(config: &DatabaseConfig, max_connections: u32, sqlite_file: bool) -> ConnectOptions {
    let mut options = ConnectOptions::new(config.url.expose().to_owned());
    if sqlite_file {
        // A file cannot hang up: no ping before every query (a round trip to the
        // connection's thread each time).
        options.test_before_acquire(false);
    } else {
        // A server connection idle this long is pinged before use; a busy one is not.
        options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    let statement_timeout = Duration::from_secs(config.statement_timeout_secs);
    options
        .max_connections(max_connections)
        .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(config.connect_timeout_secs))
        .sqlx_logging(false)
        // No idle or lifetime reaping, so the pool runs no maintenance task: sqlx 0.9's
        // reaper reads the idle count while a release and an acquire race and can see it
        // wrapped below zero, then loops for ever (seen with the busy one-connection
        // writer).
        .idle_timeout(None::<Duration>)
        .max_lifetime(None::<Duration>)
        // WAL lets readers run beside the writer. In WAL mode `synchronous = NORMAL`
        // never corrupts the database; it syncs at checkpoints rather than at every
        // commit, so a power cut (not a crash) may lose the last moments of writes.
        .map_sqlx_sqlite_opts(move |sqlite| {
            // A statement waits for a lock as long as it may take at all.
            sqlite
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(statement_timeout)
        });
    options
}

pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    Migrator::up(&db.writer, None).await
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// A migrated in-memory database for unit tests.
#[cfg(test)]
pub async fn in_memory() -> Db {
    let mut config = crate::config::Config::load(None).expect("defaults");
    config.database.url = crate::config::Secret::new("sqlite::memory:");
    config.database.max_connections = 1;
    let db = connect(&config.database).await.expect("connect");
    migrate(&db).await.expect("migrate");
    db
}

/// A migrated database in the SQLite file `dir/a.db`, as the server opens one.
#[cfg(test)]
pub async fn in_file(dir: &Path) -> Db {
    let mut config = crate::config::Config::load(None).expect("defaults");
    config.database.url = crate::config::Secret::new(format!("sqlite://{}/a.db?mode=rwc", dir.display()));
    let db = connect(&config.database).await.expect("connect");
    migrate(&db).await.expect("migrate");
    db
}

#[cfg(test)]
mod tests {
    use super::is_select;

    #[tokio::test]
    async fn debug_names_the_engine_and_not_the_url() {
        let mut config = crate::config::Config::load(None).expect("defaults");
        config.database.url = crate::config::Secret::new("sqlite::memory:");
        let db = super::connect(&config.database).await.expect("connect");
        let shown = format!("{db:?}");
        assert!(shown.contains("Sqlite") && !shown.contains("memory"), "{shown}");
    }

    #[tokio::test]
    async fn only_an_sqlite_file_reads_inline() {
        let dir = std::env::temp_dir().join(format!("mana-auth-db-{}", std::process::id()));
        let file = super::in_file(&dir).await;
        assert!(file.reads_inline());
        file.close().await.expect("close");
        std::fs::remove_dir_all(&dir).ok();
        assert!(!super::in_memory().await.reads_inline(), "an in-memory database is one per connection");
    }

    #[test]
    fn sqlite_readers_are_capped_at_two_per_core() {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        assert_eq!(super::sqlite_readers(1), 1, "never more than configured");
        assert_eq!(super::sqlite_readers(1000), 2 * cores);
    }

    #[test]
    fn only_selects_go_to_the_readers() {
        assert!(is_select("SELECT \"id\" FROM \"users\""));
        assert!(is_select("  select 1"));
        assert!(!is_select("INSERT INTO \"users\" (\"id\") VALUES (?) RETURNING \"id\""));
        assert!(!is_select("UPDATE \"refresh_tokens\" SET \"used_at\" = ? RETURNING *"));
        assert!(!is_select("WITH x AS (DELETE FROM t RETURNING *) SELECT * FROM x"));
        assert!(!is_select("SEL"));
    }
}
