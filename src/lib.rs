//! mana-auth: an OpenID Connect provider that signs with Ed25519.
//! `build_state` opens everything the app needs; `build_app` is the one place routers meet.

#![forbid(unsafe_code)]

pub mod account;
pub mod admin;
pub mod api;
pub mod cli;
pub mod config;
pub mod console;
pub mod credits;
pub mod dpop;
pub mod i18n;
pub mod import;
pub mod keyring;
pub mod keys;
pub mod login;
pub mod mail;
pub mod oidc;
pub mod ops;
pub mod security;
pub mod state;
pub mod store;
pub mod tokens;
pub mod upstream;
pub mod web;

use crate::store::db::Db;
use std::{sync::Arc, time::Duration};

use axum::{Router, middleware};
use tokio::net::TcpListener;
use tower::ServiceBuilder;
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::{
    config::Config,
    oidc::discovery::Discovery,
    security::passwords::Passwords,
    state::{App, AppState},
    web::{
        cached::CachedJson, headers::security_headers, no_route, request_log::RequestLog, session_store::DbSessionStore,
    },
};

/// Why start-up stopped; each names the setting or step at fault.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("database.url: cannot open the database: {0}")]
    Database(sea_orm::DbErr),
    #[error("database: migration failed: {0}")]
    Migrate(sea_orm::DbErr),
    /// The schema is not the one this binary works on, or could not be read.
    #[error("database: {0}")]
    Schema(String),
    #[error("clients: {0}")]
    Clients(store::StoreError),
    #[error("credits: {0}")]
    Credits(store::StoreError),
    #[error("keys: {0}")]
    Keys(#[from] keys::KeyError),
    #[error("passwords: {0}")]
    Passwords(#[from] security::passwords::PasswordError),
    #[error("server.bind: {0}")]
    Bind(std::io::Error),
    #[error("metrics.bind: {0}")]
    BindMetrics(std::io::Error),
    #[error("metrics: {0}")]
    Metrics(#[from] prometheus::Error),
    #[error("http client: {0}")]
    Http(reqwest::Error),
    #[error("{0}")]
    Secrets(String),
    #[error("{0}")]
    Limits(String),
    #[error(transparent)]
    Mail(#[from] mail::MailError),
    #[error("passkeys: {0}")]
    Passkeys(String),
    #[error("i18n: {0}")]
    Languages(#[from] i18n::CatalogueError),
    #[error("upstreams: {0}")]
    Upstreams(String),
}

/// Opens and migrates the database (created on first start), and makes sure the
/// ledger's system accounts exist: what `mana-auth migrate` does.
pub async fn open_database(config: &Config) -> Result<Db, StartError> {
    let db = store::db::connect(&config.database).await.map_err(StartError::Database)?;
    store::db::migrate(&db).await.map_err(StartError::Migrate)?;
    store::ledger::ensure_system_accounts(&db).await.map_err(StartError::Credits)?;
    Ok(db)
}

/// Opens the database as it is, creating and changing nothing, when its schema is the
/// one this binary works on: what every command but `serve`, `migrate` and `restore` uses.
pub async fn open_current(config: &Config) -> Result<Db, StartError> {
    let db = store::db::connect_existing(&config.database).await.map_err(StartError::Database)?;
    let status = store::schema::status(&db).await.map_err(|e| StartError::Schema(e.to_string()))?;
    match status.problem() {
        None => Ok(db),
        Some(problem) => Err(StartError::Schema(problem)),
    }
}

/// Opens the database as it is, creating and changing nothing, at this binary's schema
/// or an older one: what `backup create` copies, before `mana-auth migrate`.
pub async fn open_to_back_up(config: &Config) -> Result<Db, StartError> {
    let db = store::db::connect_existing(&config.database).await.map_err(StartError::Database)?;
    match store::schema::status(&db).await.map_err(|e| StartError::Schema(e.to_string()))? {
        store::schema::SchemaStatus::Current | store::schema::SchemaStatus::Behind { .. } => Ok(db),
        other => Err(StartError::Schema(other.problem().unwrap_or_default())),
    }
}

/// The database the server runs on: migrated at start unless
/// `database.migrate_on_start = false`, when its schema must already be this binary's.
pub async fn open_for_serving(config: &Config) -> Result<Db, StartError> {
    if config.database.migrate_on_start { open_database(config).await } else { open_current(config).await }
}

/// Opens the database for serving, synchronises declared clients and loads (or
/// creates) the signing keys.
pub async fn build_state(config: Config) -> Result<AppState, StartError> {
    let db = open_for_serving(&config).await?;
    build_state_on(db, config).await
}

/// `build_state` on a database already opened.
pub async fn build_state_on(db: Db, config: Config) -> Result<AppState, StartError> {
    let txn = db.begin().await.map_err(StartError::Clients)?;
    store::clients::sync_config(&txn, &config.clients).await.map_err(StartError::Clients)?;
    txn.commit().await.map_err(StartError::Clients)?;
    store::purchases::seed_packages(&db, &config.credits.packages).await.map_err(StartError::Credits)?;
    let keys = keyring::KeyRing::load(&db, keys::vault::Vault::from_env()?).await?;
    let discovery = Discovery(CachedJson::new(&oidc::discovery::metadata(&config), 3600));
    let passwords = Passwords::new(&config.passwords)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(5))
        .build()
        .map_err(StartError::Http)?;
    let limiter = security::limits::Limiter::connect(&config).await.map_err(StartError::Limits)?;
    let config_mail = config.mail.clone();
    let clients = Arc::new(store::client_cache::ClientCache::new(Duration::from_secs(config.cache.clients_secs)));
    let verified_tokens = tokens::verified::VerifiedTokens::new(config.cache.access_tokens);
    let secrets = security::mfa::sealer(&config).map_err(StartError::Secrets)?;
    if secrets.is_none() {
        tracing::warn!("{} is not set: two-step verification cannot be turned on", security::mfa::ENV);
    }
    let passkeys = passkeys(&config)?;
    let languages = i18n::Languages::built_in(&config.i18n.default_language)?;
    let upstreams = Arc::new(
        upstream::Upstreams::new(&config.upstreams, secrets.as_ref(), Duration::from_secs(config.cache.upstreams_secs))
            .map_err(StartError::Upstreams)?,
    );
    let config = Arc::new(config);
    let metrics = Arc::new(ops::metrics::Metrics::new()?);
    let limiter = Arc::new(limiter);
    let mailer = Arc::new(mail::Mailer::new(&config_mail)?);
    let security = security::context::Security {
        db: db.clone(),
        config: config.clone(),
        limiter: limiter.clone(),
        passwords: passwords.clone(),
        secrets: secrets.clone(),
        mailer: mailer.clone(),
        sign_in_failures: metrics.sign_in_failures.clone(),
        refresh_reuse: metrics.refresh_reuse.clone(),
        passkeys,
        languages,
    };
    Ok(AppState::new(App {
        db,
        config,
        keys: Arc::new(keys),
        clients,
        metadata_clients: Default::default(),
        verified_tokens,
        discovery: Arc::new(discovery),
        passwords,
        metrics,
        http,
        limiter,
        mailer,
        secrets,
        security,
        upstreams,
    }))
}

/// The WebAuthn relying party, or none (said in one WARN line) while the issuer is on
/// an IP address and `webauthn.rp_id` is not set.
fn passkeys(config: &Config) -> Result<Option<Arc<security::passkeys::Passkeys>>, StartError> {
    match config.relying_party().map_err(|e| StartError::Passkeys(e.to_string()))? {
        Ok(rp) => Ok(Some(Arc::new(security::passkeys::Passkeys::new(&rp).map_err(StartError::Passkeys)?))),
        Err(why) => {
            tracing::warn!("passkeys are off: {why}");
            Ok(None)
        }
    }
}

pub fn build_app(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(DbSessionStore::new(state.db.clone()))
        .with_name("mana_session")
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(state.config.issuer_is_https())
        // The cookie outlives every sign-in it carries; the sign-in session behind it ends
        // on its own terms (sessions.idle_ttl_secs, sessions.max_ttl_secs).
        .with_expiry(Expiry::OnInactivity(time::Duration::seconds(state.config.sessions.max_ttl_secs)));
    // Only the pages and the browser's protocol endpoints carry the session cookie;
    // the machine endpoints skip reading it.
    let browser = Router::new()
        .merge(oidc::browser_router())
        .merge(login::router())
        .merge(console::router())
        .merge(account::router())
        .layer(sessions)
        .layer(middleware::from_fn_with_state(state.config.issuer_is_https(), web::csrf::cookie))
        .layer(middleware::from_fn_with_state(state.clone(), web::page_limit::limit));
    Router::new()
        .merge(browser)
        .merge(oidc::router())
        .merge(api::router(&state.config))
        .merge(ops::router(&state.config))
        .fallback(no_route::not_found)
        .method_not_allowed_fallback(no_route::method_not_allowed)
        // One layer, so each route is wrapped (and its service boxed) once, not once per layer.
        .layer(
            ServiceBuilder::new()
                .layer(RequestLog::new(state.metrics.clone()))
                .layer(security_headers(state.config.issuer_is_https()))
                .layer(middleware::from_fn_with_state(state.clone(), web::language::choose)),
        )
        .with_state(state)
}

/// Serves until the process is stopped, deleting expired rows hourly: the app on
/// `listener`, and `/metrics` alone on `metrics` when there is one (`metrics.bind`).
pub async fn serve(state: AppState, listener: TcpListener, metrics: Option<TcpListener>) {
    let db = state.db.clone();
    let config = state.config.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(3600));
        loop {
            every.tick().await;
            // One clean-up an hour across the replicas sharing the database.
            let hour = store::now() / 3600;
            let swept = match store::job_runs::claim(&db, "cleanup", hour).await {
                Ok(false) => continue,
                Ok(true) => store::cleanup::sweep(&db, &config).await,
                Err(err) => Err(err),
            };
            match swept {
                Ok(swept) => tracing::info!(?swept, "expired rows deleted"),
                Err(err) => tracing::warn!(error = %err, "cleanup failed"),
            }
        }
    });
    tokio::spawn(follow_keys(state.clone()));
    tokio::spawn(ops::notify::run(state.clone()));
    tokio::spawn(ops::notify::db_down::watch(state.clone()));
    if let Some(schedule) = state.config.backup.schedule().and_then(|s| config::schedule::parse(s).ok()) {
        if admin::backups::schedule_without_key(&state.config) {
            tracing::warn!(
                "no backup key (MANA_AUTH_BACKUP_KEY or backup.key): scheduled backups are not written; \
                 set one, or backup.allow_unencrypted = true"
            );
        }
        tokio::spawn(ops::backup::schedule::run(state.clone(), schedule));
    }
    let db = state.db.clone();
    let connections = web::listen::Connections::new(&state.config.server);
    let mut listeners = vec![(listener, build_app(state.clone()))];
    listeners.extend(metrics.map(|metrics| (metrics, ops::metrics_router(state))));
    connections.accept(&listeners, shutdown_signal()).await;
    tracing::info!("shutting down: no new connections, finishing requests in flight");
    // In-flight requests get a bounded time to finish; then the process stops regardless.
    if !connections.drain(DRAIN_LIMIT).await {
        tracing::warn!("requests still in flight after the drain limit; stopping anyway");
    }
    if let Err(err) = db.close().await {
        tracing::warn!(error = %err, "closing the database pool failed");
    }
}

/// How long requests in flight may take to finish once a shutdown began.
const DRAIN_LIMIT: Duration = Duration::from_secs(10);

/// Runs the key schedule and picks up rotations made by any process, every `keys.reload_secs`.
async fn follow_keys(state: AppState) {
    let policy = keys::rotation::Policy::from_config(&state.config);
    // The keys were just loaded; the first look is one period away.
    let period = Duration::from_secs(state.config.keys.reload_secs);
    let mut every = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    loop {
        every.tick().await;
        if let Err(err) = keys::rotation::run(&state.db, policy, state.keys.vault(), &state.config.notify).await {
            tracing::warn!(error = %err, "key rotation failed");
        }
        if let Err(err) = state.keys.refresh(&state.db).await {
            tracing::warn!(error = %err, "reloading signing keys failed");
        }
    }
}

/// Ctrl-C or SIGTERM (what container runtimes send).
async fn shutdown_signal() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}
