//! Opening the database (SQLite in WAL mode by default, PostgreSQL by URL) and migrating it.
//!
//! SQLite lets one connection write at a time. The others wait in its busy handler,
//! which sleeps and retries in growing steps (up to 100 ms a step) in no order, so
//! under concurrent writes a few requests wait half a second. On SQLite every write
//! therefore goes through one writer connection: writers queue for it in this process,
//! first come first served, and readers use the other connections, which in WAL mode
//! never wait for the writer. On PostgreSQL both are the same pool. Why, and what
//! was weighed: `docs/adr/0001-sqlite-writer.md`. A PostgreSQL read replica, when
//! configured, answers the reads while the primary does not (`replica`).

use std::{path::Path, sync::Arc, time::Duration};

use async_trait::async_trait;
use migration::{Migrator, MigratorTrait};
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr, ExecResult,
    IsolationLevel, QueryResult, Statement, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use super::{
    StoreError,
    bounded::{Txn, bounded},
    replica::Replica,
    successors::SuccessorWrites,
};
use crate::config::DatabaseConfig;

/// The database, split into readers and the writer (the same pool but on SQLite).
#[derive(Clone)]
pub struct Db {
    readers: DatabaseConnection,
    writer: DatabaseConnection,
    /// For an SQLite file: rotations' successors are written in groups (see `successors`).
    successors: Option<Arc<SuccessorWrites>>,
    /// How long a statement may take before the database counts as unreachable.
    limit: Duration,
    /// `database.read_replica_url`: reads while the primary does not answer.
    replica: Option<Arc<Replica>>,
}

/// Names the engine only: the pools' options hold the database URL and its password.
impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.get_database_backend()).finish_non_exhaustive()
    }
}

impl Db {
    /// A write transaction, on the writer: a use case that writes several rows opens
    /// one, passes it to each store call and commits it. Dropped unfinished, it is
    /// rolled back. Inside it, write through it only: on SQLite the writer is one
    /// connection, which the transaction holds.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn begin(&self) -> Result<Txn, StoreError> {
        self.writable()?;
        Ok(Txn::new(bounded(self.limit, self.writer.begin()).await?, Some(self.limit)))
    }

    /// A read-only transaction that sees one consistent state of every table
    /// (repeatable read on PostgreSQL, a WAL snapshot on SQLite), beside the writer.
    /// Only its start is bounded in time: a backup reads whole tables in it.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn begin_read(&self) -> Result<Txn, DbErr> {
        let readers = self.readable();
        let begun = match readers.get_database_backend() {
            DbBackend::Postgres => {
                let config =
                    readers.begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly));
                bounded(self.limit, config).await?
            }
            _ => bounded(self.limit, readers.begin()).await?,
        };
        Ok(Txn::new(begun, None))
    }

    #[tracing::instrument(level = "debug", skip_all)]
    /// The queue that writes rotations' successors in groups, on an SQLite file.
    pub fn successor_writes(&self) -> Option<&SuccessorWrites> {
        self.successors.as_deref()
    }

    /// Whether the primary answers.
    pub async fn ping(&self) -> Result<(), DbErr> {
        let answered = match bounded(self.limit, self.readers.ping()).await {
            Ok(()) => bounded(self.limit, self.writer.ping()).await,
            failed => failed,
        };
        if let Some(replica) = &self.replica {
            match &answered {
                Ok(()) => replica.primary_answered(),
                Err(err) => _ = replica.primary_failed(err),
            }
        }
        answered
    }

    /// Whether the primary is known to be down while a replica is configured: writes
    /// fail at once, reads go to the replica.
    pub fn primary_is_down(&self) -> bool {
        self.replica.as_ref().is_some_and(|replica| replica.primary_is_down())
    }

    /// Whether reads are served by the replica because the primary does not answer
    /// and the replica does.
    pub async fn read_only(&self) -> bool {
        match &self.replica {
            Some(replica) if replica.primary_is_down() => bounded(self.limit, replica.pool().ping()).await.is_ok(),
            _ => false,
        }
    }

    #[tracing::instrument(level = "debug", skip_all)]
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
        self.writable()?;
        bounded(self.limit, self.writer.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.writable()?;
        bounded(self.limit, self.writer.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        if !is_select(&stmt.sql) {
            self.writable()?;
            return bounded(self.limit, self.writer.query_one_raw(stmt)).await;
        }
        let again = self.replica.is_some().then(|| stmt.clone());
        match (bounded(self.limit, self.readable().query_one_raw(stmt)).await, again) {
            (Err(err), Some(stmt)) if self.fall_back(&err) => {
                bounded(self.limit, self.readable().query_one_raw(stmt)).await
            }
            (answered, _) => answered,
        }
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        if !is_select(&stmt.sql) {
            self.writable()?;
            return bounded(self.limit, self.writer.query_all_raw(stmt)).await;
        }
        let again = self.replica.is_some().then(|| stmt.clone());
        match (bounded(self.limit, self.readable().query_all_raw(stmt)).await, again) {
            (Err(err), Some(stmt)) if self.fall_back(&err) => {
                bounded(self.limit, self.readable().query_all_raw(stmt)).await
            }
            (answered, _) => answered,
        }
    }
}

impl Db {
    /// Where reads go: the readers, or the replica while the primary is down.
    fn readable(&self) -> &DatabaseConnection {
        match &self.replica {
            Some(replica) if replica.primary_is_down() => replica.pool(),
            _ => &self.readers,
        }
    }

    /// Refuses a write at once while the primary is known to be down.
    fn writable(&self) -> Result<(), DbErr> {
        match &self.replica {
            Some(replica) if replica.primary_is_down() => Err(Replica::read_only()),
            _ => Ok(()),
        }
    }

    /// Whether a read that failed with `err` on the primary is to be asked of the replica
    /// (a copy of each read is kept for that only when there is one).
    fn fall_back(&self, err: &DbErr) -> bool {
        self.replica.as_ref().is_some_and(|replica| replica.primary_failed(err))
    }
}

/// A query that only reads goes to the readers; `INSERT … RETURNING` and its kin are writes.
fn is_select(sql: &str) -> bool {
    sql.trim_start().get(..6).is_some_and(|word| word.eq_ignore_ascii_case("select"))
}

/// Connects, creating the SQLite file and its folder on first start.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn connect(config: &DatabaseConfig) -> Result<Db, DbErr> {
    open(config, true).await
}

/// Connects to a database that exists, creating nothing: an SQLite file that is not
/// there is an error, not a new database.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn connect_existing(config: &DatabaseConfig) -> Result<Db, DbErr> {
    if let Some(path) = sqlite_path(config.url.expose()).filter(|path| !Path::new(path).exists()) {
        return Err(DbErr::Custom(format!("there is no database at {path}")));
    }
    open(config, false).await
}

async fn open(config: &DatabaseConfig, create: bool) -> Result<Db, DbErr> {
    let url = config.url.expose();
    let file = sqlite_path(url);
    if let Some(dir) = file.and_then(|path| Path::new(path).parent()).filter(|d| create && !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let readers = if file.is_some() { sqlite_readers(config.max_connections) } else { config.max_connections };
    let readers = Database::connect(options(config, url, readers, file.is_some(), create)).await?;
    // An in-memory SQLite database exists once per pool, so it keeps a single pool.
    let writer =
        if file.is_some() { Database::connect(options(config, url, 1, true, create)).await? } else { readers.clone() };
    let successors = file.map(|_| Arc::new(SuccessorWrites::start(writer.clone())));
    let limit = Duration::from_secs(config.statement_timeout_secs);
    let replica = match &config.read_replica_url {
        Some(url) => {
            let pool = Database::connect(options(config, url.expose(), config.max_connections, false, false)).await?;
            Some(Replica::start(pool, writer.clone(), limit))
        }
        None => None,
    };
    Ok(Db { readers, writer, successors, limit, replica })
}

/// Readers of an SQLite file: each is a thread of its own that runs its queries on the
/// CPU, so more than two per core add memory (a page cache each), not throughput.
fn sqlite_readers(max_connections: u32) -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    max_connections.min(2 * cores)
}

fn options(
    config: &DatabaseConfig,
    url: &str,
    max_connections: u32,
    sqlite_file: bool,
    create: bool,
) -> ConnectOptions {
    let mut options = ConnectOptions::new(url.to_owned());
    if sqlite_file {
        // A file cannot hang up: no ping before every query (a round trip to the
        // connection's thread each time).
        options.test_before_acquire(false);
    } else {
        // A server connection idle this long is pinged before use; a busy one is not.
        options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    let statement_timeout = Duration::from_secs(config.statement_timeout_secs);
    let statement_cache = config.statement_cache;
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
        .map_sqlx_postgres_opts(move |postgres| postgres.statement_cache_capacity(statement_cache))
        .map_sqlx_sqlite_opts(move |sqlite| {
            // A statement waits for a lock as long as it may take at all.
            sqlite
                .create_if_missing(create)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(statement_timeout)
        });
    options
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    Migrator::up(&db.writer, None).await
}

/// Applies the first `steps` migrations that are not applied yet.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn migrate_steps(db: &Db, steps: u32) -> Result<(), DbErr> {
    Migrator::up(&db.writer, Some(steps)).await
}

/// The file of an SQLite URL; `None` for PostgreSQL and in-memory databases.
pub fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}

/// A migrated in-memory database for unit tests.
#[cfg(test)]
pub async fn in_memory() -> Db {
    let db = in_memory_without_schema().await;
    migrate(&db).await.expect("migrate");
    db
}

/// An in-memory database with no tables yet, for unit tests of migrations.
#[cfg(test)]
pub async fn in_memory_without_schema() -> Db {
    let mut config = crate::config::Config::load(None).expect("defaults");
    config.database.url = crate::config::Secret::new("sqlite::memory:");
    config.database.max_connections = 1;
    connect(&config.database).await.expect("connect")
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
