//! `mana-auth backup …` and `mana-auth restore`.

use crate::store::db::Db;
use std::path::{Path, PathBuf};

use crate::{
    config::{Config, DatabaseConfig, Secret},
    ops::backup::{self, BackupError, remote::Remote},
    security::audit::{Event, Kind},
    store::{
        db, ledger,
        schema::{self, SchemaStatus},
    },
};
use serde_json::json;

/// The backup passphrase: `MANA_AUTH_BACKUP_KEY`, else `backup.key`.
pub fn key(config: &Config) -> Option<String> {
    std::env::var("MANA_AUTH_BACKUP_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .or_else(|| config.backup.key.as_ref().map(|k| k.expose().to_owned()))
}

fn remote(config: &Config) -> Result<Option<Remote>, BackupError> {
    config.backup.s3.as_ref().map(Remote::new).transpose()
}

/// A backup just written: the file, and where it was uploaded when `backup.s3` is set.
pub struct Created {
    pub path: PathBuf,
    pub uploaded: Option<String>,
}

pub async fn create(db: &Db, config: &Config, out: Option<&Path>, no_encrypt: bool) -> Result<Created, BackupError> {
    let key = key(config);
    if key.is_none() && !no_encrypt {
        return Err(BackupError::Format(
            "no backup key: set MANA_AUTH_BACKUP_KEY (or backup.key), or pass --no-encrypt".into(),
        ));
    }
    let dir = out.map_or_else(|| PathBuf::from(&config.backup.dir), Path::to_path_buf);
    let remote = remote(config)?;
    let path = backup::create(db, &dir, if no_encrypt { None } else { key.as_deref() }).await?;
    let uploaded =
        match &remote {
            Some(remote) => Some(remote.upload(&path).await.map_err(|err| {
                BackupError::Remote(format!("{} was written, but not uploaded: {err}", path.display()))
            })?),
            None => None,
        };
    Ok(Created { path, uploaded })
}

/// The bytes of a backup: a file, or `s3://BUCKET/KEY` in the configured bucket.
async fn fetch(source: &Path, config: &Config) -> Result<Vec<u8>, BackupError> {
    match source.to_str().filter(|s| s.starts_with("s3://")) {
        Some(url) => {
            let remote =
                remote(config)?.ok_or_else(|| BackupError::Remote(format!("{url}: backup.s3 is not configured")))?;
            remote.download(url).await
        }
        None => Ok(tokio::fs::read(source).await?),
    }
}

/// One backup and the places it is kept.
pub struct Listed {
    pub name: String,
    pub size: u64,
    pub places: Vec<String>,
}

/// Every backup in `backup.dir` and in the bucket, newest first.
pub async fn list(config: &Config) -> Result<Vec<Listed>, BackupError> {
    let mut listed: Vec<Listed> = backup::list(Path::new(&config.backup.dir))?
        .into_iter()
        .map(|(path, size)| Listed {
            name: path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
            size,
            places: vec![path.display().to_string()],
        })
        .collect();
    if let Some(remote) = remote(config)? {
        for object in remote.list().await? {
            match listed.iter_mut().find(|l| l.name == object.name) {
                Some(local) => local.places.push(object.url),
                None => listed.push(Listed { name: object.name, size: object.size, places: vec![object.url] }),
            }
        }
    }
    listed.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(listed)
}

/// Whether scheduled backups are due but cannot be written: no backup key, and
/// unencrypted ones not allowed.
pub fn schedule_without_key(config: &Config) -> bool {
    config.backup.schedule().is_some() && key(config).is_none() && !config.backup.allow_unencrypted
}

/// Deletes backups older than `keep_days` in both places; returns how many files and objects.
pub async fn prune(config: &Config, keep_days: u64) -> Result<usize, BackupError> {
    let mut removed = backup::prune(Path::new(&config.backup.dir), keep_days)?;
    if let Some(remote) = remote(config)? {
        removed += remote.prune(keep_days).await?;
    }
    Ok(removed)
}

/// What `backup verify` found: rows restored into a scratch database, and ledger problems.
pub struct Verified {
    pub rows: u64,
    pub ledger_problems: Vec<String>,
}

/// Opens the backup, checks every digest and count and that PostgreSQL could take every
/// row too, restores it into a scratch SQLite database and checks the ledger there.
pub async fn verify(source: &Path, config: &Config) -> Result<Verified, BackupError> {
    let snapshot = backup::read(&fetch(source, config).await?, key(config).as_deref())?;
    backup::check_portable(&snapshot)?;
    let scratch = std::env::temp_dir().join(format!("mana-auth-verify-{}.db", crate::security::opaque::new_id()));
    let result = async {
        let scratch_config = DatabaseConfig {
            url: Secret::new(format!("sqlite://{}?mode=rwc", scratch.display())),
            max_connections: 1,
            migrate_on_start: true,
            read_replica_url: None,
            ..config.database.clone()
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

/// Restores `source` into `db`. An empty database first gets exactly the backup's
/// schema; one at another schema is refused.
pub async fn restore(db: &Db, config: &Config, source: &Path, force: bool) -> Result<u64, BackupError> {
    let snapshot = backup::read(&fetch(source, config).await?, key(config).as_deref())?;
    let version = &snapshot.manifest.schema_version;
    match schema::status(db).await? {
        SchemaStatus::Empty => {
            let steps = schema::steps_to(version)
                .ok_or_else(|| BackupError::Schema(format!("schema {version} is not one this mana-auth knows")))?;
            db::migrate_steps(db, steps).await?;
        }
        SchemaStatus::Current => {}
        other => return Err(BackupError::Schema(other.problem().unwrap_or_default())),
    }
    let rows = backup::restore(db, &snapshot, force).await?;
    // Written after the restore, which replaces the security events with the backup's.
    let details = json!({ "source": source.display().to_string(), "rows": rows, "schema": version });
    Event::new(Kind::BackupRestored).details(details).write(db).await?;
    Ok(rows)
}

/// What `restore --dry-run` found: the backup checked whole, and what a restore would
/// do to the configured database, which is read but neither created nor changed.
pub struct RestoreCheck {
    pub rows: u64,
    pub schema: String,
    pub target: String,
}

pub async fn check_restore(config: &Config, source: &Path) -> Result<RestoreCheck, BackupError> {
    let snapshot = backup::read(&fetch(source, config).await?, key(config).as_deref())?;
    let schema = snapshot.manifest.schema_version.clone();
    let rows = snapshot.manifest.tables.values().map(|t| t.rows).sum();
    let missing = db::sqlite_path(config.database.url.expose()).filter(|path| !Path::new(path).exists());
    let target = if let Some(path) = missing {
        format!("{path} does not exist; a restore creates it at schema {schema}")
    } else {
        let db = db::connect_existing(&config.database).await?;
        let target = match schema::status(&db).await? {
            SchemaStatus::Empty => format!("empty; a restore creates schema {schema}"),
            SchemaStatus::Current if backup::has_data(&db).await? => {
                "holds data; a restore replaces it only with --force".to_owned()
            }
            SchemaStatus::Current => "at the backup's schema, without data; a restore fills it".to_owned(),
            other => format!("a restore is refused: {}", other.problem().unwrap_or_default()),
        };
        db.close().await?;
        target
    };
    Ok(RestoreCheck { rows, schema, target })
}
