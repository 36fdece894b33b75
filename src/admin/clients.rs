//! `mana-auth client add|list|remove`.

use crate::store::db::Db;
use crate::{
    config::{ClientConfig, Secret, validate_client},
    security::{
        audit::{Event, Kind},
        opaque::new_secret,
    },
    store::{
        StoreError,
        clients::{self, Client},
    },
};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Adds a client; for a confidential one, returns the generated secret (shown once, stored as a digest).
pub async fn add(db: &Db, mut config: ClientConfig, public: bool) -> Result<Option<String>, AdminError> {
    let secret = (!public).then(new_secret);
    config.secret = secret.clone().map(Secret::new);
    validate_client("client", &config).map_err(|e| AdminError::Invalid(e.to_string()))?;
    clients::insert(db, &Client::from_config(&config, "cli")).await.map_err(|e| match e {
        StoreError::Conflict(_) => AdminError::Invalid(format!("a client with id `{}` already exists", config.id)),
        other => other.into(),
    })?;
    Event::new(Kind::ClientAdded).client(&config.id).record(db).await;
    Ok(secret)
}

/// How long an initial access token opens `/register`.
const INITIAL_ACCESS_TOKEN_SECS: i64 = 86_400;

/// A new initial access token for one registration (RFC 7591 §3).
pub async fn initial_access_token(db: &Db) -> Result<String, AdminError> {
    Ok(crate::store::initial_access_tokens::issue(db, INITIAL_ACCESS_TOKEN_SECS).await?)
}

pub async fn list(db: &Db) -> Result<Vec<Client>, AdminError> {
    Ok(clients::list(db).await?)
}

pub async fn remove(db: &Db, id: &str) -> Result<(), AdminError> {
    if clients::remove(db, id).await? {
        Event::new(Kind::ClientRemoved).client(id).record(db).await;
        return Ok(());
    }
    match clients::find(db, id).await? {
        Some(_) => Err(AdminError::Invalid(format!("client `{id}` is declared in the configuration; remove it there"))),
        None => Err(AdminError::Invalid(format!("no client `{id}`"))),
    }
}
