//! Clients held in memory for a short while, so the token endpoint does not read its
//! client on every request. A miss reads the database, so a client added by any
//! process is found at once; one removed or changed elsewhere is seen within `ttl`.
//! Only clients that exist are kept, so the map never grows past the registry.

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

    fn fresh(&self, id: &str) -> Option<Arc<Client>> {
        let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
        held.get(id).filter(|(_, read_at)| read_at.elapsed() < self.ttl).map(|(client, _)| client.clone())
    }
}
