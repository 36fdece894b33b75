//! Backups: where they are written, their key and schedule, and the object storage
//! each is also uploaded to.

use serde::Deserialize;

use super::Secret;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupConfig {
    pub dir: String,
    pub key: Option<Secret>,
    /// Cron syntax in UTC; empty: no scheduled backups.
    pub schedule: String,
    /// Backups older than this many days are pruned after each scheduled one; 0 keeps all.
    pub keep_days: u64,
    /// Scheduled backups are written unencrypted when there is no backup key.
    pub allow_unencrypted: bool,
    pub s3: Option<S3Config>,
}

impl BackupConfig {
    /// The schedule, when there is one.
    pub fn schedule(&self) -> Option<&str> {
        Some(self.schedule.trim()).filter(|s| !s.is_empty())
    }
}

/// S3-compatible object storage every backup is also uploaded to.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    #[serde(default)]
    pub prefix: String,
    pub region: Option<String>,
    /// For MinIO, Ceph, R2 and the like; unset means AWS.
    pub endpoint: Option<String>,
    /// Unset: taken from `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` and the usual AWS sources.
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret>,
}
