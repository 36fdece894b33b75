//! Application state handed to every handler; sub-states are extracted with `FromRef`.

use std::sync::Arc;

use axum::extract::FromRef;
use sea_orm::DatabaseConnection;

use crate::{
    config::Config, keys::KeySet, oidc::discovery::Discovery, ops::metrics::Metrics, security::passwords::Passwords,
    web::cached::PublishedKeys,
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub keys: Arc<KeySet>,
    pub published_keys: Arc<PublishedKeys>,
    pub discovery: Arc<Discovery>,
    pub passwords: Passwords,
    pub metrics: Arc<Metrics>,
    /// Outbound HTTP for back-channel logout deliveries.
    pub http: reqwest::Client,
}
