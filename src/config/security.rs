//! The account-security sections of the configuration: rate limits, lockout, the
//! secrets key, Redis, mail, and the proxies trusted to name the client.

use serde::Deserialize;
use url::Url;

use super::{Config, ConfigError, Secret, invalid};

/// Proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

impl TryFrom<Vec<String>> for TrustedProxies {
    type Error = String;

    fn try_from(entries: Vec<String>) -> Result<Self, String> {
        entries
            .iter()
            .map(|entry| {
                entry
                    .parse::<ipnet::IpNet>()
                    .or_else(|_| entry.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                    .map_err(|_| format!("`{entry}` is not an IP address or CIDR range"))
            })
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl TrustedProxies {
    pub fn contains(&self, ip: &std::net::IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(ip))
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    pub audit_retention_days: u64,
    /// Seals TOTP secrets at rest; `MANA_AUTH_SECRETS_KEY` overrides it.
    pub secrets_key: Option<Secret>,
    pub rate_limit: RateLimitConfig,
    pub lockout: LockoutConfig,
}

/// Requests allowed per `window_secs`, per client IP and per account; 0 turns a limit off.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub window_secs: u64,
    pub signin_per_ip: u64,
    pub signin_per_account: u64,
    pub register_per_ip: u64,
    pub token_per_ip: u64,
    pub token_per_client: u64,
    pub reset_per_ip: u64,
    pub reset_per_account: u64,
    pub mfa_per_ip: u64,
    pub mfa_per_account: u64,
    /// User codes typed on the `/device` page.
    pub device_codes_per_ip: u64,
    pub pages_per_ip: u64,
}

/// Failed sign-ins on one account before it is locked, and for how long.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LockoutConfig {
    pub threshold: u64,
    pub base_secs: u64,
    pub max_secs: u64,
    pub forget_after_secs: u64,
}

/// Shared rate-limit counters for several processes; unset: counted in process.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RedisConfig {
    pub url: Option<Secret>,
    /// Put before every key, so deployments can share one Redis.
    pub key_prefix: String,
}

/// Outgoing mail: SMTP when `smtp_url` is set, else one file per message in `outbox_dir`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailConfig {
    pub from: String,
    pub smtp_url: Option<Secret>,
    pub outbox_dir: String,
    pub verify_email_ttl_secs: i64,
    pub reset_password_ttl_secs: i64,
}

impl Config {
    pub(super) fn validate_security(&self) -> Result<(), ConfigError> {
        if self.security.rate_limit.window_secs == 0 {
            return Err(invalid("security.rate_limit.window_secs", "must be at least 1"));
        }
        let lockout = &self.security.lockout;
        if lockout.threshold > 0 && (lockout.base_secs == 0 || lockout.max_secs < lockout.base_secs) {
            return Err(invalid("security.lockout", "base_secs must be at least 1 and max_secs at least base_secs"));
        }
        if lockout.forget_after_secs == 0 {
            return Err(invalid("security.lockout.forget_after_secs", "must be at least 1"));
        }
        if self.mail.from.parse::<lettre::message::Mailbox>().is_err() {
            return Err(invalid("mail.from", "must be an address, e.g. \"mana-auth <no-reply@example.org>\""));
        }
        if self.mail.verify_email_ttl_secs <= 0 || self.mail.reset_password_ttl_secs <= 0 {
            return Err(invalid("mail", "verify_email_ttl_secs and reset_password_ttl_secs must be positive"));
        }
        if let Some(url) = &self.redis.url {
            let scheme = Url::parse(url.expose()).map(|u| u.scheme().to_owned()).unwrap_or_default();
            if !matches!(scheme.as_str(), "redis" | "rediss") {
                return Err(invalid("redis.url", "must be a redis:// or rediss:// URL"));
            }
        }
        Ok(())
    }
}
