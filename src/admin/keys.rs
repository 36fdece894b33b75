//! `mana-auth keys export|import`: the key set on its own, as a separate encrypted file
//! (what the signing-key backup of the runbooks is), restorable without a full restore.

use crate::store::db::Db;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{
    config::Config,
    ops::backup::{BackupError, envelope, snapshot},
    security::audit::{Event, Kind},
};

const TABLE: &str = "jwks";

#[derive(Serialize, Deserialize)]
struct KeyExport {
    schema_version: String,
    keys: Vec<Value>,
}

fn key_of(config: &Config) -> Result<String, BackupError> {
    super::backups::key(config).ok_or(BackupError::KeyNeeded)
}

/// Writes every stored key (private parts as stored: sealed when a KEK is set) encrypted
/// under the backup key. Returns how many keys.
pub async fn export(db: &Db, config: &Config, file: &Path) -> Result<usize, BackupError> {
    let keys = snapshot::dump_table(db, TABLE).await?.unwrap_or_default();
    let export = KeyExport { schema_version: crate::ops::backup::schema_version(), keys };
    let json = serde_json::to_vec(&export).map_err(|e| BackupError::Format(e.to_string()))?;
    std::fs::write(file, envelope::seal(&json, Some(&key_of(config)?))?)?;
    Ok(export.keys.len())
}

/// Replaces the stored key set with the exported one, in one transaction.
pub async fn import(db: &Db, config: &Config, file: &Path) -> Result<usize, BackupError> {
    let json = envelope::open(&std::fs::read(file)?, Some(&key_of(config)?))?;
    let export: KeyExport = serde_json::from_slice(&json).map_err(|e| BackupError::Format(e.to_string()))?;
    if export.schema_version != crate::ops::backup::schema_version() {
        return Err(BackupError::SchemaMismatch {
            backup: export.schema_version,
            ours: crate::ops::backup::schema_version(),
        });
    }
    let txn = db.begin().await?;
    snapshot::clear_table(&txn, TABLE).await?;
    snapshot::load_table(&txn, TABLE, &export.keys).await?;
    Event::new(Kind::KeysImported).details(json!({ "keys": export.keys.len() })).write(&txn).await?;
    txn.commit().await?;
    Ok(export.keys.len())
}
