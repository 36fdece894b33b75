//! Clients held in memory for a short while, so the token endpoint does not read its
//! client on every request. A miss reads the database, so a client added by any
//! process is found at once; one removed or changed elsewhere is seen within `ttl`.
//! Only clients that exist are kept (disabled ones too: callers refuse those), so the
//! map never grows past the registry.

use std::{
    collections::HashMap,
    sync::{Arc, PoisonError, RwLock},
    time::{Duration, Instant},
};

use sea_orm::ConnectionTrait;

use super::{
    StoreError,
    clients::{self, Client},
};

pub struct ClientCache {
    ttl: Duration,
    held: RwLock<HashMap<String, (Arc<Client>, Instant)>>,
}

impl ClientCache {
    pub fn new(ttl: Duration) -> Self {
        Self { ttl, held: RwLock::default() }
    }

    /// The client `id`, from memory while it is fresh, else from the database.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn find(&self, db: &impl ConnectionTrait, id: &str) -> Result<Option<Arc<Client>>, StoreError> {
        if let Some(client) = self.fresh(id) {
            return Ok(Some(client));
        }
        let found = clients::find(db, id).await?.map(Arc::new);
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        match &found {
            Some(client) if !self.ttl.is_zero() => {
                held.insert(id.to_owned(), (client.clone(), Instant::now()));
            }
            _ => {
                held.remove(id);
            }
        }
        Ok(found)
    }

    /// Drops what this process holds of client `id`, after it changed here.
    pub fn forget(&self, id: &str) {
        self.held.write().unwrap_or_else(PoisonError::into_inner).remove(id);
    }

    fn fresh(&self, id: &str) -> Option<Arc<Client>> {
        let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
        held.get(id).filter(|(_, read_at)| read_at.elapsed() < self.ttl).map(|(client, _)| client.clone())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::ClientCache;
    use crate::store::{clients, db};

    #[tokio::test]
    async fn a_removed_client_is_seen_once_its_time_is_up() {
        let db = db::in_memory().await;
        let declared: crate::config::ClientConfig =
            serde_json::from_value(serde_json::json!({"id": "app", "redirect_uris": []})).expect("client");
        let client = clients::Client::from_config(&declared, "cli");
        clients::insert(&db, &client).await.expect("insert");

        let cache = ClientCache::new(Duration::from_millis(200));
        assert!(cache.find(&db, "app").await.expect("find").is_some());
        clients::remove(&db, "app").await.expect("remove");
        assert!(cache.find(&db, "app").await.expect("find").is_some(), "held while fresh");
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(cache.find(&db, "app").await.expect("find").is_none(), "read again once stale");

        clients::insert(&db, &client).await.expect("insert again");
        assert!(cache.find(&db, "app").await.expect("find").is_some(), "a new client is found at once");
        assert!(cache.find(&db, "nobody").await.expect("find").is_none());
    }
}
