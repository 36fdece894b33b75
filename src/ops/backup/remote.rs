//! The off-site copy of backups: S3-compatible object storage (`backup.s3`), so a
//! backup outlives the machine that wrote it.

use std::path::Path;

use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use object_store::{ObjectStore, PutPayload, aws::AmazonS3Builder, path::Path as Key};

use super::BackupError;
use crate::config::S3Config;

/// A backup object in the bucket.
pub struct RemoteBackup {
    pub name: String,
    pub url: String,
    pub size: u64,
    pub modified: DateTime<Utc>,
}

pub struct Remote {
    store: Box<dyn ObjectStore>,
    bucket: String,
    prefix: Key,
}

impl From<object_store::Error> for BackupError {
    fn from(err: object_store::Error) -> Self {
        BackupError::Remote(err.to_string())
    }
}

impl Remote {
    pub fn new(config: &S3Config) -> Result<Self, BackupError> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&config.bucket);
        if let Some(region) = &config.region {
            builder = builder.with_region(region);
        }
        if let Some(endpoint) = &config.endpoint {
            builder = builder.with_endpoint(endpoint).with_allow_http(endpoint.starts_with("http://"));
        }
        if let Some(id) = &config.access_key_id {
            builder = builder.with_access_key_id(id);
        }
        if let Some(secret) = &config.secret_access_key {
            builder = builder.with_secret_access_key(secret.expose());
        }
        Ok(Self {
            store: Box::new(builder.build()?),
            bucket: config.bucket.clone(),
            prefix: Key::from(config.prefix.as_str()),
        })
    }

    fn key(&self, name: &str) -> Key {
        self.prefix.child(name)
    }

    fn url(&self, key: &Key) -> String {
        format!("s3://{}/{key}", self.bucket)
    }

    /// Uploads a backup file under its own name; returns where it went.
    pub async fn upload(&self, file: &Path) -> Result<String, BackupError> {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| BackupError::Format(format!("{} has no file name", file.display())))?;
        let key = self.key(name);
        self.store.put(&key, PutPayload::from(tokio::fs::read(file).await?)).await?;
        Ok(self.url(&key))
    }

    /// Backup objects under the prefix, newest name first.
    pub async fn list(&self) -> Result<Vec<RemoteBackup>, BackupError> {
        let objects: Vec<_> = self.store.list(Some(&self.prefix)).try_collect().await?;
        let mut backups: Vec<RemoteBackup> = objects
            .into_iter()
            .filter(|o| o.location.prefix_match(&self.prefix).is_some_and(|mut rest| rest.nth(1).is_none()))
            .filter_map(|o| {
                let name = o.location.filename()?.to_owned();
                name.ends_with(".backup").then(|| RemoteBackup {
                    url: self.url(&o.location),
                    name,
                    size: o.size,
                    modified: o.last_modified,
                })
            })
            .collect();
        backups.sort_by(|a, b| b.name.cmp(&a.name));
        Ok(backups)
    }

    /// Fetches `s3://BUCKET/KEY`; the bucket must be the configured one.
    pub async fn download(&self, url: &str) -> Result<Vec<u8>, BackupError> {
        let key = url
            .strip_prefix("s3://")
            .and_then(|rest| rest.strip_prefix(self.bucket.as_str()))
            .and_then(|rest| rest.strip_prefix('/'))
            .ok_or_else(|| BackupError::Remote(format!("{url} is not in the configured bucket {}", self.bucket)))?;
        Ok(self.store.get(&Key::from(key)).await?.bytes().await?.to_vec())
    }

    /// Deletes backup objects older than `keep_days`; returns how many.
    pub async fn prune(&self, keep_days: u64) -> Result<usize, BackupError> {
        let Some(limit) = i64::try_from(keep_days)
            .ok()
            .and_then(chrono::Duration::try_days)
            .and_then(|age| Utc::now().checked_sub_signed(age))
        else {
            return Ok(0);
        };
        let mut removed = 0;
        for backup in self.list().await? {
            if backup.modified < limit {
                self.store.delete(&self.key(&backup.name)).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
