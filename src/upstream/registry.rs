//! Every upstream people may sign in with: those of the configuration file, fixed for
//! the life of the process, then those added on the admin pages, read from the
//! database at most once per `cache.upstreams_secs`, so a change made on one process
//! is seen by every other within that time. The process that made it forgets what it
//! held (`forget`) and sees it at once.

use std::{
    sync::{Arc, PoisonError, RwLock},
    time::{Duration, Instant},
};

use entity::upstreams;
use sea_orm::ConnectionTrait;

use super::{Upstream, http, stored};
use crate::{
    config::UpstreamConfig,
    security::sealing::Sealer,
    store::{self, StoreError},
};

pub struct Upstreams {
    /// In the order of the configuration file.
    configured: Vec<Arc<Upstream>>,
    held: RwLock<Held>,
    ttl: Duration,
    http: http::Bounded,
    sealer: Option<Sealer>,
}

/// The stored upstreams as last read: each row, with the upstream it makes, or none
/// where it cannot be used (its id is the configuration file's, or its secret does
/// not open). An unchanged row keeps its upstream, and what was discovered about it.
#[derive(Default)]
struct Held {
    read_at: Option<Instant>,
    rows: Vec<(upstreams::Model, Option<Arc<Upstream>>)>,
}

impl Upstreams {
    /// The upstreams of `configs`, and those stored; `sealer` (the secrets key's) opens
    /// the stored ones' secrets and seals the tokens of those that keep them, and must
    /// be there for them.
    pub fn new(configs: &[UpstreamConfig], sealer: Option<&Sealer>, ttl: Duration) -> Result<Upstreams, String> {
        let http = http::Bounded::new()?;
        let configured = configs
            .iter()
            .enumerate()
            .map(|(i, config)| Upstream::new(config.clone(), &http, sealer).map_err(|e| format!("upstreams[{i}].{e}")))
            .collect::<Result<_, _>>()?;
        let sealer = sealer.cloned();
        Ok(Upstreams { configured, held: RwLock::default(), ttl, http, sealer })
    }

    /// Every upstream, for the buttons: the configuration file's, then the stored ones
    /// oldest first.
    pub async fn all(&self, db: &impl ConnectionTrait) -> Result<Vec<Arc<Upstream>>, StoreError> {
        let mut all = self.configured.clone();
        all.extend(self.stored(db).await?);
        Ok(all)
    }

    pub async fn get(&self, db: &impl ConnectionTrait, id: &str) -> Result<Option<Arc<Upstream>>, StoreError> {
        if let Some(configured) = self.configured.iter().find(|u| u.id() == id) {
            return Ok(Some(configured.clone()));
        }
        Ok(self.stored(db).await?.into_iter().find(|u| u.id() == id))
    }

    /// The upstreams of the configuration file, which the admin pages do not change.
    pub fn configured(&self) -> &[Arc<Upstream>] {
        &self.configured
    }

    pub fn is_configured(&self, id: &str) -> bool {
        self.configured.iter().any(|u| u.id() == id)
    }

    /// Drops what this process holds of the stored upstreams, after one changed here.
    pub fn forget(&self) {
        self.held.write().unwrap_or_else(PoisonError::into_inner).read_at = None;
    }

    /// The stored upstreams that can be used, from memory while fresh.
    async fn stored(&self, db: &impl ConnectionTrait) -> Result<Vec<Arc<Upstream>>, StoreError> {
        {
            let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
            if held.read_at.is_some_and(|at| at.elapsed() < self.ttl) {
                return Ok(usable(&held.rows));
            }
        }
        let rows = store::upstreams::list(db).await?;
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        let rows: Vec<_> = rows
            .into_iter()
            .map(|row| {
                let kept = held.rows.iter().find(|(before, _)| *before == row).map(|(_, upstream)| upstream.clone());
                let upstream = kept.unwrap_or_else(|| self.made_of(&row));
                (row, upstream)
            })
            .collect();
        *held = Held { read_at: Some(Instant::now()), rows };
        Ok(usable(&held.rows))
    }

    /// The upstream a new or changed row makes; none, said once in the log, where it
    /// cannot be used.
    fn made_of(&self, row: &upstreams::Model) -> Option<Arc<Upstream>> {
        if self.is_configured(&row.id) {
            tracing::warn!(upstream = %row.id, "an upstream made on the admin pages has the id of one in the configuration file, which is used instead");
            return None;
        }
        let made = stored::from_row(row, self.sealer.as_ref())
            .and_then(|config| Upstream::new(config, &self.http, self.sealer.as_ref()));
        made.map_err(|problem| tracing::error!(upstream = %row.id, "an upstream made on the admin pages cannot be used: {problem}")).ok()
    }
}

fn usable(rows: &[(upstreams::Model, Option<Arc<Upstream>>)]) -> Vec<Arc<Upstream>> {
    rows.iter().filter_map(|(_, upstream)| upstream.clone()).collect()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::{config::UpstreamKind, store::db};

    fn entry(id: &str, name: &str) -> UpstreamConfig {
        UpstreamConfig { name: name.into(), ..UpstreamConfig::example(id, UpstreamKind::Github) }
    }

    fn names(upstreams: &[Arc<Upstream>]) -> Vec<&str> {
        upstreams.iter().map(|u| u.name()).collect()
    }

    #[tokio::test]
    async fn stored_upstreams_follow_the_database_within_their_time() {
        let db = db::in_memory().await;
        let sealer = Sealer::new("0123456789abcdef0123456789abcdef").expect("sealer");
        let registry =
            Upstreams::new(&[entry("file", "File")], Some(&sealer), Duration::from_millis(200)).expect("registry");
        store::upstreams::insert(&db, stored::to_row(&entry("made", "Made"), &sealer, 1)).await.expect("insert");
        assert_eq!(names(&registry.all(&db).await.expect("all")), ["File", "Made"], "the file's first");
        let first = registry.get(&db, "made").await.expect("get").expect("found");
        assert_eq!(first.config.client_secret.expose(), "s3cret", "opened");

        store::upstreams::replace(&db, stored::to_row(&entry("made", "Renamed"), &sealer, 2)).await.expect("replace");
        assert_eq!(names(&registry.all(&db).await.expect("all")), ["File", "Made"], "held while fresh");
        registry.forget();
        assert_eq!(names(&registry.all(&db).await.expect("all")), ["File", "Renamed"], "read again once forgotten");
        let renamed = registry.get(&db, "made").await.expect("get").expect("found");
        tokio::time::sleep(Duration::from_millis(250)).await;
        let again = registry.get(&db, "made").await.expect("get").expect("found");
        assert!(Arc::ptr_eq(&renamed, &again), "an unchanged row keeps its upstream and what was discovered");

        // An id of the file's is not taken from the database, nor a secret sealed for another id.
        store::upstreams::insert(&db, stored::to_row(&entry("file", "Shadow"), &sealer, 3)).await.expect("insert");
        let mut moved = stored::to_row(&entry("moved", "Moved"), &sealer, 4);
        moved.client_secret = stored::to_row(&entry("other", "Other"), &sealer, 4).client_secret;
        store::upstreams::insert(&db, moved).await.expect("insert");
        store::upstreams::remove(&db, "made").await.expect("remove");
        registry.forget();
        assert_eq!(names(&registry.all(&db).await.expect("all")), ["File"]);
        assert_eq!(registry.get(&db, "file").await.expect("get").expect("found").name(), "File");
        assert!(registry.get(&db, "moved").await.expect("get").is_none());
    }
}
