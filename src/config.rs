//! Layered configuration: built-in defaults < config file < `MANA_AUTH__*` environment.
//! Everything is validated before start-up so a bad setting stops it with one line.

use std::{fmt, net::SocketAddr, path::Path};

use serde::Deserialize;

mod backup;
mod clients;
mod credits;
mod notify;
pub mod schedule;
mod security;
mod upstreams;
mod validate;
mod webauthn;

pub use backup::{BackupConfig, S3Config};
pub use clients::{ClientConfig, GRANT_TYPES, validate_client, validate_redirect_uri};
pub use credits::{CreditsConfig, PackageConfig};
pub use notify::{NotifyConfig, NotifyTarget};
pub use security::{LockoutConfig, MailConfig, RateLimitConfig, RedisConfig, SecurityConfig, TrustedProxies};
pub use upstreams::{ClaimNames, GITHUB_API_URL, UpstreamConfig, UpstreamKind, validate_upstream};
pub use webauthn::{RelyingParty, WebauthnConfig};

const DEFAULTS: &str = include_str!("../config/default.toml");

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration: {0}")]
    Load(#[from] config::ConfigError),
    #[error("configuration: {key}: {problem}")]
    Invalid { key: String, problem: String },
}

fn invalid(key: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError::Invalid { key: key.into(), problem: problem.into() }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub issuer: String,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub tokens: TokensConfig,
    pub keys: KeysConfig,
    pub cache: CacheConfig,
    pub sessions: SessionsConfig,
    pub oauth: OAuthConfig,
    pub registration: RegistrationConfig,
    pub passwords: PasswordsConfig,
    pub api: ApiConfig,
    pub credits: CreditsConfig,
    pub backup: BackupConfig,
    pub security: SecurityConfig,
    pub redis: RedisConfig,
    pub mail: MailConfig,
    pub log: LogConfig,
    pub metrics: MetricsConfig,
    pub notify: NotifyConfig,
    pub webauthn: WebauthnConfig,
    pub i18n: I18nConfig,
    pub admin: AdminConfig,
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
    #[serde(default)]
    pub resources: Vec<ResourceConfig>,
    #[serde(default)]
    pub upstreams: Vec<UpstreamConfig>,
}

/// A resource server that access tokens may be issued for (RFC 8707).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceConfig {
    /// Its `aud`: an absolute URI without a fragment, e.g. `https://api.example.org/notes`.
    pub identifier: String,
    /// The scopes it accepts; a token for it carries only these of the granted ones.
    pub scopes: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    pub bind: SocketAddr,
    #[serde(default)]
    pub trusted_proxies: TrustedProxies,
    /// Seconds a client has to send a request head before its connection is closed.
    pub header_read_timeout_secs: u64,
    /// Connections one peer address may hold open at once; 0 is no limit.
    pub max_connections_per_ip: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    pub url: Secret,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    /// Seconds a statement may take before the database counts as unreachable.
    pub statement_timeout_secs: u64,
    /// Prepared statements each PostgreSQL connection keeps; 0 prepares every statement
    /// anew, unnamed, as PgBouncer before 1.21 in transaction mode needs.
    pub statement_cache: usize,
    /// `serve` applies pending migrations at start; when false it refuses to start on
    /// a schema older than the binary's, for operators who run `mana-auth migrate` themselves.
    pub migrate_on_start: bool,
    /// A PostgreSQL read replica that answers reads while the primary does not.
    pub read_replica_url: Option<Secret>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokensConfig {
    pub access_token_ttl_secs: i64,
    pub id_token_ttl_secs: i64,
    pub refresh_token_ttl_secs: i64,
    pub authorization_code_ttl_secs: i64,
    pub default_id_token_alg: SigningAlg,
    /// How long a rotated refresh token, sent again, gets its unused successor again.
    pub refresh_retry_secs: u64,
    /// The `aud` of the native API's access tokens; the issuer when unset.
    pub api_audience: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeysConfig {
    pub rotate_after_days: i64,
    pub prepublish_hours: i64,
    pub reload_secs: u64,
}

/// How long a process keeps what it read from the database and what others may change.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheConfig {
    pub clients_secs: u64,
    pub upstreams_secs: u64,
    pub access_tokens: usize,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionsConfig {
    pub idle_ttl_secs: i64,
    pub max_ttl_secs: i64,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OAuthConfig {
    /// Every client must push its authorization requests to `/par` first (RFC 9126).
    pub require_pushed_authorization_requests: bool,
    /// DPoP proofs at `/token` must carry a nonce this server gave (RFC 9449 §8).
    pub require_dpop_nonce: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegistrationConfig {
    pub mode: RegistrationMode,
    /// A `client_id` that is an https URL names a JSON document describing the client,
    /// fetched from there (Client ID Metadata Documents).
    pub client_id_metadata_documents: bool,
    /// Metadata documents may be fetched from loopback addresses (for tests only).
    pub allow_loopback_metadata: bool,
}

/// Who may register clients at `/register` (RFC 7591).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RegistrationMode {
    /// Nobody: the endpoint does not exist.
    Off,
    /// Anyone.
    Open,
    /// Whoever holds an initial access token from `mana-auth client token`.
    Token,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordsConfig {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApiConfig {
    pub client_id: String,
    pub cors_origins: Vec<String>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Whether an administrator needs a second factor (a code or a passkey) for the
    /// admin pages. Unset: only when the secrets key is set, so codes can be turned on.
    pub require_mfa: Option<bool>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct I18nConfig {
    /// The language of pages for a browser that asks for none there is a catalogue
    /// for, and of mails to accounts that chose none (`locales/<tag>.ftl`).
    pub default_language: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    pub filter: String,
    pub format: LogFormat,
    /// Logs each span as it closes, with the time spent in it (`time.busy`) and waiting
    /// (`time.idle`): with a filter such as "mana_auth=debug", every request's handler
    /// and store calls, under the request's id.
    pub span_timings: bool,
}

/// How log lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// One line of text per event, for people.
    Text,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Where `/metrics` is served: on a listener of its own, and on the main listener only
/// to the bearer of `token`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    pub bind: OptionalAddr,
    pub token: Option<Secret>,
}

/// A listen address, or none when set to the empty string.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(try_from = "String")]
pub struct OptionalAddr(pub Option<SocketAddr>);

impl TryFrom<String> for OptionalAddr {
    type Error = String;

    fn try_from(value: String) -> Result<Self, String> {
        if value.trim().is_empty() {
            return Ok(OptionalAddr(None));
        }
        value.parse().map(|addr| OptionalAddr(Some(addr))).map_err(|_| format!("`{value}` is not an ADDRESS:PORT"))
    }
}

/// JWS algorithms mana-auth signs with.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq, Hash)]
pub enum SigningAlg {
    EdDSA,
    RS256,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::EdDSA => "EdDSA",
            SigningAlg::RS256 => "RS256",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        match name {
            "EdDSA" => Some(SigningAlg::EdDSA),
            "RS256" => Some(SigningAlg::RS256),
            _ => None,
        }
    }
}

/// A string that never prints itself in logs or `Debug` output.
#[derive(Clone, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Config {
    /// Loads the layers and validates the result.
    pub fn load(file: Option<&Path>) -> Result<Config, ConfigError> {
        let mut builder =
            config::Config::builder().add_source(config::File::from_str(DEFAULTS, config::FileFormat::Toml));
        if let Some(path) = file {
            builder = builder.add_source(config::File::from(path).required(true));
        }
        let config: Config = builder
            .add_source(config::Environment::with_prefix("MANA_AUTH").prefix_separator("__").separator("__"))
            .build()?
            .try_deserialize()?;
        config.validate()?;
        Ok(config)
    }

    /// The declared resource `identifier`.
    pub fn resource(&self, identifier: &str) -> Option<&ResourceConfig> {
        self.resources.iter().find(|r| r.identifier == identifier)
    }

    /// Every audience an access token of this provider may name: its own endpoints'
    /// and the declared resources'.
    pub fn known_audiences(&self) -> Vec<&str> {
        let mut audiences = self.access_token_audiences().to_vec();
        audiences.extend(self.resources.iter().map(|r| r.identifier.as_str()));
        audiences
    }

    /// The audiences an access token of this provider may name: the issuer (every
    /// client's tokens) and `tokens.api_audience` (the native API's).
    pub fn access_token_audiences(&self) -> [&str; 2] {
        [&self.issuer, self.tokens.api_audience.as_deref().unwrap_or(&self.issuer)]
    }

    /// Whether cookies and HSTS should assume TLS.
    pub fn issuer_is_https(&self) -> bool {
        self.issuer.starts_with("https://")
    }

    /// The issuer without a trailing slash, the prefix of every endpoint URL.
    pub fn issuer_base(&self) -> &str {
        self.issuer.trim_end_matches('/')
    }
}

#[cfg(test)]
mod tests;
