//! Backups that restore anywhere: one file with a consistent snapshot of every table
//! as logical rows, tagged with the schema version, compressed, encrypted, and carrying
//! a manifest of row counts and SHA-256 digests that restore and verify check.

pub mod envelope;
pub mod remote;
pub mod schedule;
pub mod snapshot;

use crate::store::db::Db;
use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Statement};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    security::opaque::digest_bytes,
    store::{
        StoreError, now,
        schema::{self, SchemaStatus},
    },
};

const FORMAT: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("the backup is encrypted: set MANA_AUTH_BACKUP_KEY")]
    KeyNeeded,
    #[error("wrong backup key, or the file is corrupted")]
    WrongKeyOrCorrupt,
    #[error("not a valid backup: {0}")]
    Format(String),
    #[error("table {table}: {problem}")]
    Damaged { table: String, problem: String },
    #[error("the backup is of schema {backup}, this mana-auth is at {ours}: restore it with the matching version")]
    SchemaMismatch { backup: String, ours: String },
    #[error("table {table}: column {column} holds a NUL character, which PostgreSQL cannot store")]
    NotPortable { table: String, column: String },
    #[error("the database is not empty; restore with --force to replace everything in it")]
    NotEmpty,
    /// The target database's schema is not the backup's.
    #[error("{0}")]
    Schema(String),
    #[error("object storage: {0}")]
    Remote(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for BackupError {
    fn from(err: sea_orm::DbErr) -> Self {
        BackupError::Store(err.into())
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub struct TableSummary {
    pub rows: u64,
    pub sha256: String,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    pub created_at: i64,
    pub schema_version: String,
    pub tables: BTreeMap<String, TableSummary>,
}

#[derive(Serialize, Deserialize)]
pub struct Snapshot {
    pub manifest: Manifest,
    pub tables: BTreeMap<String, Vec<Value>>,
}

/// The newest migration this binary knows: the schema version of what it writes.
pub fn schema_version() -> String {
    Migrator::migrations().last().map(|m| m.name().to_owned()).unwrap_or_default()
}

fn digest(rows: &[Value]) -> Result<String, BackupError> {
    Ok(digest_bytes(&serde_json::to_vec(rows).map_err(|e| BackupError::Format(e.to_string()))?))
}

/// Reads every table inside one read-only transaction (repeatable read on PostgreSQL,
/// a WAL snapshot on SQLite), so the copy is consistent while the server runs. A
/// database at an older schema than this binary's is copied as it is, tagged with its
/// own schema version.
pub async fn take(db: &Db) -> Result<Snapshot, BackupError> {
    let txn = db.begin_read().await?;
    let schema_version = match schema::status(&txn).await? {
        SchemaStatus::Current => schema_version(),
        SchemaStatus::Behind { at, .. } => at,
        other => return Err(BackupError::Schema(other.problem().unwrap_or_default())),
    };
    let tables = snapshot::dump_all(&txn).await?;
    txn.commit().await?;
    let mut summaries = BTreeMap::new();
    for (name, rows) in &tables {
        summaries.insert(name.clone(), TableSummary { rows: rows.len() as u64, sha256: digest(rows)? });
    }
    let manifest = Manifest { format: FORMAT, created_at: now(), schema_version, tables: summaries };
    Ok(Snapshot { manifest, tables })
}

/// Writes a new backup file into `dir` and returns its path.
pub async fn create(db: &Db, dir: &Path, key: Option<&str>) -> Result<PathBuf, BackupError> {
    let snapshot = take(db).await?;
    let json = serde_json::to_vec(&snapshot).map_err(|e| BackupError::Format(e.to_string()))?;
    let sealed = envelope::seal(&json, key)?;
    std::fs::create_dir_all(dir)?;
    let stamp = time::OffsetDateTime::from_unix_timestamp(snapshot.manifest.created_at)
        .ok()
        .and_then(|t| t.format(&time::macros::format_description!("[year][month][day]-[hour][minute][second]")).ok())
        .unwrap_or_else(|| snapshot.manifest.created_at.to_string());
    let path = dir.join(format!("mana-auth-{stamp}-{}.backup", &crate::security::opaque::new_id()[..6]));
    let partial = path.with_extension("partial");
    std::fs::write(&partial, sealed)?;
    std::fs::rename(&partial, &path)?;
    Ok(path)
}

/// Opens a backup and checks it whole: envelope, schema version, every count and digest.
pub fn read(bytes: &[u8], key: Option<&str>) -> Result<Snapshot, BackupError> {
    let json = envelope::open(bytes, key)?;
    let snapshot: Snapshot = serde_json::from_slice(&json).map_err(|e| BackupError::Format(e.to_string()))?;
    let manifest = &snapshot.manifest;
    if manifest.format != FORMAT {
        return Err(BackupError::Format(format!("format {} is not {FORMAT}", manifest.format)));
    }
    if manifest.schema_version != schema_version() {
        return Err(BackupError::SchemaMismatch { backup: manifest.schema_version.clone(), ours: schema_version() });
    }
    for name in snapshot::TABLES {
        let damaged = |problem: String| BackupError::Damaged { table: (*name).to_owned(), problem };
        let summary = manifest.tables.get(*name).ok_or_else(|| damaged("missing from the manifest".into()))?;
        let rows = snapshot.tables.get(*name).ok_or_else(|| damaged("missing".into()))?;
        if rows.len() as u64 != summary.rows {
            return Err(damaged(format!("{} rows, the manifest says {}", rows.len(), summary.rows)));
        }
        if digest(rows)? != summary.sha256 {
            return Err(damaged("its digest does not match the manifest".into()));
        }
    }
    Ok(snapshot)
}

/// Checks that both engines can take every row: SQLite stores U+0000 in text,
/// PostgreSQL refuses it, so such a backup of a SQLite database restores only there.
pub fn check_portable(snapshot: &Snapshot) -> Result<(), BackupError> {
    for (table, rows) in &snapshot.tables {
        let nul_column = rows.iter().filter_map(Value::as_object).find_map(|row| {
            row.iter().find(|(_, value)| value.as_str().is_some_and(|text| text.contains('\0'))).map(|(name, _)| name)
        });
        if let Some(column) = nul_column {
            return Err(BackupError::NotPortable { table: table.clone(), column: column.clone() });
        }
    }
    Ok(())
}

/// Whether the database holds users, clients or keys of its own.
pub async fn has_data(db: &impl ConnectionTrait) -> Result<bool, BackupError> {
    for table in ["users", "clients", "jwks"] {
        let sql = format!("SELECT COUNT(*) AS n FROM {table}");
        let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await?;
        if row.and_then(|r| r.try_get::<i64>("", "n").ok()).unwrap_or(0) > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Replaces the database's contents with the snapshot, all or nothing. A database with
/// data of its own is only replaced with `force`.
pub async fn restore(db: &Db, snapshot: &Snapshot, force: bool) -> Result<u64, BackupError> {
    let txn = db.begin().await?;
    if !force && has_data(&txn).await? {
        return Err(BackupError::NotEmpty);
    }
    for name in snapshot::TABLES.iter().rev() {
        snapshot::clear_table(&txn, name).await?;
    }
    let mut restored = 0;
    for name in snapshot::TABLES {
        let rows = snapshot.tables.get(*name).map(Vec::as_slice).unwrap_or_default();
        snapshot::load_table(&txn, name, rows).await?;
        restored += rows.len() as u64;
    }
    txn.commit().await?;
    Ok(restored)
}

/// Backup files in `dir`, newest first, with their sizes.
pub fn list(dir: &Path) -> Result<Vec<(PathBuf, u64)>, BackupError> {
    let mut files = Vec::new();
    if dir.exists() {
        for entry in std::fs::read_dir(dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "backup") {
                files.push((path.clone(), std::fs::metadata(&path)?.len()));
            }
        }
    }
    files.sort_by(|a, b| b.0.cmp(&a.0));
    Ok(files)
}

/// Deletes backup files older than `keep_days`; returns how many.
pub fn prune(dir: &Path, keep_days: u64) -> Result<usize, BackupError> {
    let limit = std::time::Duration::from_secs(keep_days * 86_400);
    let mut removed = 0;
    for (path, _) in list(dir)? {
        let age = std::fs::metadata(&path)?.modified()?.elapsed().unwrap_or_default();
        if age > limit {
            std::fs::remove_file(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}
