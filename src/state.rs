//! Application state handed to every handler. The router clones it for every
//! request, so it is one shared pointer; handlers reach the parts through `Deref`,
//! and the few that need one part alone extract it with `FromRef`.

use crate::store::db::Db;
use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;

use crate::{
    config::Config,
    keyring::KeyRing,
    mail::Mailer,
    oidc::{client_metadata::MetadataClients, discovery::Discovery},
    ops::metrics::Metrics,
    security::{context::Security, limits::Limiter, passwords::Passwords, sealing::Sealer},
    store::client_cache::ClientCache,
    tokens::{
        mint::AccessClaims,
        verified::VerifiedTokens,
        verify::{self, AccessTokenError},
    },
    upstream::Upstreams,
};

#[derive(Clone)]
pub struct AppState(Arc<App>);

impl AppState {
    pub fn new(app: App) -> AppState {
        AppState(Arc::new(app))
    }
}

impl Deref for AppState {
    type Target = App;

    fn deref(&self) -> &App {
        &self.0
    }
}

impl FromRef<AppState> for Arc<KeyRing> {
    fn from_ref(state: &AppState) -> Arc<KeyRing> {
        state.keys.clone()
    }
}

impl FromRef<AppState> for Arc<Discovery> {
    fn from_ref(state: &AppState) -> Arc<Discovery> {
        state.discovery.clone()
    }
}

pub struct App {
    pub db: Db,
    pub config: Arc<Config>,
    /// The live key set; reloads itself after a rotation.
    pub keys: Arc<KeyRing>,
    /// Registered clients, read at most once per `cache.clients_secs`.
    pub clients: Arc<ClientCache>,
    /// Clients described by metadata documents, each kept while its document is fresh.
    pub metadata_clients: MetadataClients,
    /// Access tokens whose signature was checked, up to `cache.access_tokens`.
    pub verified_tokens: VerifiedTokens,
    pub discovery: Arc<Discovery>,
    pub passwords: Passwords,
    pub metrics: Arc<Metrics>,
    /// Outbound HTTP for back-channel logout deliveries.
    pub http: reqwest::Client,
    pub limiter: Arc<Limiter>,
    pub mailer: Arc<Mailer>,
    /// Seals TOTP secrets; `None` when no secrets key is set (two-step verification off).
    pub secrets: Option<Sealer>,
    /// The parts of this state the account-security flows work with, passkeys included.
    pub security: Security,
    /// The other identity providers people may sign in with (`[[upstreams]]`).
    pub upstreams: Arc<Upstreams>,
}

impl App {
    /// An access token as this provider's endpoints accept it: its signature (or a
    /// token verified before), its claims, and that its grant still stands.
    pub async fn verify_access_token(&self, token: &str, audiences: &[&str]) -> Result<AccessClaims, AccessTokenError> {
        let keys = self.keys.current();
        verify::verify_access_token(&self.db, &keys, &self.verified_tokens, &self.config, token, audiences).await
    }
}
