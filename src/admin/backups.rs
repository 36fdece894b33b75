//! `mana-auth backup …` and `mana-auth restore`.

use std::path::{Path, PathBuf};

use sea_orm::DatabaseConnection;

use crate::{
    config::{Config, DatabaseConfig, Secret},
    ops::backup::{self, BackupError},
    store::{db, ledger},
};

/// The backup passphrase: `MANA_AUTH_BACKUP_KEY`, else `backup.key`.
pub fn key(config: &Config) -> Option<String> {
    std::env::var("MANA_AUTH_BACKUP_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .or_else(|| config.backup.key.as_ref().map(|k| k.expose().to_owned()))
}

pub async fn create(
    db: &DatabaseConnection,
    config: &Config,
    out: Option<&Path>,
    no_encrypt: bool,
) -> Result<PathBuf, BackupError> {
    let key = key(config);
    if key.is_none() && !no_encrypt {
        return Err(BackupError::Format(
            "no backup key: set MANA_AUTH_BACKUP_KEY (or backup.key), or pass --no-encrypt".into(),
        ));
    }
    let dir = out.map_or_else(|| PathBuf::from(&config.backup.dir), Path::to_path_buf);
    backup::create(db, &dir, if no_encrypt { None } else { key.as_deref() }).await
}

/// What `backup verify` found: rows restored into a scratch database, and ledger problems.
pub struct Verified {
    pub rows: u64,
    pub ledger_problems: Vec<String>,
}

/// Opens the file, checks every digest and count, restores it into a scratch SQLite
/// database and checks the ledger there.
pub async fn verify(path: &Path, config: &Config) -> Result<Verified, BackupError> {
    let snapshot = backup::read(path, key(config).as_deref())?;
    let scratch = std::env::temp_dir().join(format!("mana-auth-verify-{}.db", crate::security::opaque::new_id()));
    let result = async {
        let scratch_config = DatabaseConfig {
            url: Secret::new(format!("sqlite://{}?mode=rwc", scratch.display())),
            max_connections: 1,
            connect_timeout_secs: config.database.connect_timeout_secs,
        };
        let db = db::connect(&scratch_config).await?;
        db::migrate(&db).await?;
        let rows = backup::restore(&db, &snapshot, true).await?;
        let ledger_problems = ledger::check(&db).await?;
        db.close().await?;
        Ok(Verified { rows, ledger_problems })
    }
    .await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", scratch.display()));
    }
    result
}

/// Restores `path` into the configured database; with `dry_run` only checks it.
pub async fn restore(
    db: &DatabaseConnection,
    config: &Config,
    path: &Path,
    dry_run: bool,
    force: bool,
) -> Result<u64, BackupError> {
    let snapshot = backup::read(path, key(config).as_deref())?;
    if dry_run {
        return Ok(snapshot.manifest.tables.values().map(|t| t.rows).sum());
    }
    backup::restore(db, &snapshot, force).await
}
