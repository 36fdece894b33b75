//! Application state handed to every handler; sub-states are extracted with `FromRef`.

use crate::store::db::Db;
use std::sync::Arc;

use axum::extract::FromRef;

use crate::{
    config::Config,
    keyring::KeyRing,
    mail::Mailer,
    oidc::discovery::Discovery,
    ops::metrics::Metrics,
    security::{limits::Limiter, passwords::Passwords, sealing::Sealer},
    store::client_cache::ClientCache,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: Db,
    pub config: Arc<Config>,
    /// The live key set; reloads itself after a rotation.
    pub keys: Arc<KeyRing>,
    /// Registered clients, read at most once per `cache.clients_secs`.
    pub clients: Arc<ClientCache>,
    pub discovery: Arc<Discovery>,
    pub passwords: Passwords,
    pub metrics: Arc<Metrics>,
    /// Outbound HTTP for back-channel logout deliveries.
    pub http: reqwest::Client,
    pub limiter: Arc<Limiter>,
    pub mailer: Arc<Mailer>,
    /// Seals TOTP secrets; `None` when no secrets key is set (two-step verification off).
    pub secrets: Option<Sealer>,
}
