//! Clients added and changed by hand: `mana-auth client add|list|remove` and the admin
//! pages. Clients declared in the configuration file are changed there, never here.

use serde_json::json;

use crate::store::db::Db;
use crate::{
    config::{ClientConfig, Secret, validate_client},
    security::{
        audit::{Event, Kind},
        opaque::new_secret,
    },
    store::{
        StoreError,
        clients::{self, Client, REGISTERED},
        consents, refresh,
    },
};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Who changes a client: the operator by command, or an administrator on the admin
/// pages (their user id), named in the event.
#[derive(Clone, Copy)]
pub enum By<'a> {
    Operator,
    Admin(&'a str),
}

impl By<'_> {
    /// The event of this change: `by_operator` for a command, `admin_kind` naming the
    /// administrator for the admin pages.
    fn event(self, by_operator: Kind, admin_kind: Kind, client_id: &str) -> Event {
        match self {
            By::Operator => Event::new(by_operator).client(client_id),
            By::Admin(admin_id) => by_admin(admin_kind, client_id, admin_id),
        }
    }
}

/// The event of a change on the admin pages, naming the administrator.
fn by_admin(kind: Kind, client_id: &str, admin_id: &str) -> Event {
    Event::new(kind).client(client_id).details(json!({ "admin": admin_id }))
}

/// The source of clients added by hand.
const ADDED: &str = "cli";

/// Adds a client; for a confidential one, returns the generated secret (shown once, stored as a digest).
pub async fn add(db: &Db, mut config: ClientConfig, public: bool, by: By<'_>) -> Result<Option<String>, AdminError> {
    let secret = (!public).then(new_secret);
    config.secret = secret.clone().map(Secret::new);
    validate_client("client", &config).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let txn = db.begin().await?;
    clients::insert(&txn, &Client::from_config(&config, ADDED)).await.map_err(|e| match e {
        StoreError::Conflict(_) => AdminError::Invalid(format!("a client with id `{}` already exists", config.id)),
        other => other.into(),
    })?;
    by.event(Kind::ClientAdded, Kind::AdminClientCreated, &config.id).write(&txn).await?;
    txn.commit().await?;
    Ok(secret)
}

/// Replaces the metadata of a client added by hand or registered; its secret (or its
/// being public), source and state stay.
pub async fn update(db: &Db, mut config: ClientConfig, admin_id: &str) -> Result<(), AdminError> {
    let stored = changeable(db, &config.id).await?;
    // Checked as what it is: a confidential client keeps a secret.
    config.secret = stored.secret_hash.map(Secret::new);
    validate_client("client", &config).map_err(|e| AdminError::Invalid(e.to_string()))?;
    let txn = db.begin().await?;
    clients::replace(&txn, &Client::from_config(&config, ADDED), &[ADDED, REGISTERED]).await?;
    by_admin(Kind::AdminClientUpdated, &config.id, admin_id).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// A new secret for a confidential client; the old one stops working at once. Returns
/// the secret (shown once, stored as a digest).
pub async fn rotate_secret(db: &Db, id: &str, admin_id: &str) -> Result<String, AdminError> {
    if changeable(db, id).await?.is_public() {
        return Err(AdminError::Invalid(format!("client `{id}` is public: it has no secret")));
    }
    let secret = new_secret();
    let txn = db.begin().await?;
    clients::set_secret(&txn, id, &secret).await?;
    by_admin(Kind::AdminClientSecretRotated, id, admin_id).write(&txn).await?;
    txn.commit().await?;
    Ok(secret)
}

/// Disables a client (every endpoint then treats it as unknown) or enables it again;
/// `false` when it already was so.
pub async fn set_disabled(db: &Db, id: &str, disabled: bool, admin_id: &str) -> Result<bool, AdminError> {
    changeable(db, id).await?;
    let txn = db.begin().await?;
    if !clients::set_disabled(&txn, id, disabled.then(crate::store::now)).await? {
        return Ok(false);
    }
    let kind = if disabled { Kind::AdminClientDisabled } else { Kind::AdminClientEnabled };
    by_admin(kind, id, admin_id).write(&txn).await?;
    txn.commit().await?;
    Ok(true)
}

/// A client added by hand or registered, which may be changed here.
async fn changeable(db: &Db, id: &str) -> Result<Client, AdminError> {
    match clients::find(db, id).await? {
        Some(client) if client.source == clients::CONFIG => Err(declared(id)),
        Some(client) => Ok(client),
        None => Err(AdminError::Invalid(format!("no client `{id}`"))),
    }
}

fn declared(id: &str) -> AdminError {
    AdminError::Invalid(format!("client `{id}` is declared in the configuration; change it there"))
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

/// Removes a client with what users let it keep: its refresh tokens are revoked and
/// its consents forgotten.
pub async fn remove(db: &Db, id: &str, by: By<'_>) -> Result<(), AdminError> {
    changeable(db, id).await?;
    let txn = db.begin().await?;
    if !clients::remove(&txn, id).await? {
        return Err(AdminError::Invalid(format!("no client `{id}`")));
    }
    refresh::revoke_client(&txn, id).await?;
    consents::remove_all_of_client(&txn, id).await?;
    by.event(Kind::ClientRemoved, Kind::AdminClientDeleted, id).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}
