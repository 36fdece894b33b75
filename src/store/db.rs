//! Opening the database (SQLite in WAL mode by default, PostgreSQL by URL) and migrating it.

use std::{path::Path, time::Duration};

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

use crate::config::DatabaseConfig;

/// Connects, creating the SQLite file and its folder on first start.
pub async fn connect(config: &DatabaseConfig) -> Result<DatabaseConnection, DbErr> {
    let url = config.url.expose();
    if let Some(dir) = sqlite_path(url).and_then(|path| Path::new(path).parent()).filter(|d| !d.as_os_str().is_empty())
    {
        std::fs::create_dir_all(dir).map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(config.max_connections)
        .connect_timeout(Duration::from_secs(config.connect_timeout_secs))
        .acquire_timeout(Duration::from_secs(config.connect_timeout_secs))
        .sqlx_logging(false)
        // WAL lets readers run beside the writer. In WAL mode `synchronous = NORMAL`
        // never corrupts the database; it syncs at checkpoints rather than at every
        // commit, so a power cut (not a crash) may lose the last moments of writes.
        .map_sqlx_sqlite_opts(|sqlite| {
            sqlite.journal_mode(SqliteJournalMode::Wal).synchronous(SqliteSynchronous::Normal)
        });
    Database::connect(options).await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

fn sqlite_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then_some(path)
}
