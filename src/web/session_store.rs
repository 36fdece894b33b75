//! tower-sessions store over the `browser_sessions` table, so browser sessions
//! survive restarts and are shared by every process on one database.

use crate::store::db::Db;
use async_trait::async_trait;
use tower_sessions::{
    SessionStore,
    session::{Id, Record},
    session_store::{Error, Result},
};

use crate::store::{StoreError, browser_sessions};

#[derive(Clone, Debug)]
pub struct DbSessionStore {
    db: Db,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore { db }
    }
}

/// What a store error says when the database cannot be reached, so that pages answer
/// it as unavailable (503): tower-sessions carries a backend's errors as text.
pub const UNAVAILABLE: &str = "database unavailable";

fn backend(err: StoreError) -> Error {
    if err.is_unavailable() { Error::Backend(UNAVAILABLE.into()) } else { Error::Backend(err.to_string()) }
}

fn encode(record: &Record) -> Result<String> {
    serde_json::to_string(record).map_err(|e| Error::Encode(e.to_string()))
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> Result<()> {
        // A fresh id on the rare collision, as the trait asks.
        loop {
            let data = encode(record)?;
            let expires = record.expiry_date.unix_timestamp();
            if browser_sessions::create(&self.db, &record.id.to_string(), data, expires).await.map_err(backend)? {
                return Ok(());
            }
            record.id = Id::default();
        }
    }

    async fn save(&self, record: &Record) -> Result<()> {
        let expires = record.expiry_date.unix_timestamp();
        browser_sessions::save(&self.db, &record.id.to_string(), encode(record)?, expires).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> Result<Option<Record>> {
        let Some(data) = browser_sessions::load(&self.db, &id.to_string()).await.map_err(backend)? else {
            return Ok(None);
        };
        serde_json::from_str(&data).map(Some).map_err(|e| Error::Decode(e.to_string()))
    }

    async fn delete(&self, id: &Id) -> Result<()> {
        browser_sessions::delete(&self.db, &id.to_string()).await.map_err(backend)
    }
}
