//! Rate limits and account lockout. Counters live in this process, or in Redis when
//! `redis.url` is set so that every process shares one budget. Limits are fixed
//! windows: a counter per key that expires. When Redis cannot be reached the request
//! goes through (logged): an outage of the counter store must not lock everyone out.

mod memory;
mod redis_store;

use async_trait::async_trait;

use crate::{
    config::{Config, LockoutConfig, RateLimitConfig},
    security::opaque::digest,
    store::users::normalize_email,
};

/// Over a limit: try again in `retry_after` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many requests; try again in {retry_after} seconds")]
pub struct Throttled {
    pub retry_after: u64,
}

impl Throttled {
    /// Adds `Retry-After` to a 429 response.
    pub fn stamp(self, response: &mut axum::response::Response) {
        response.headers_mut().insert(axum::http::header::RETRY_AFTER, self.retry_after.max(1).into());
    }
}

/// Where counters are kept.
#[async_trait]
trait Counters: Send + Sync {
    /// Adds one to `key`, whose life (re)starts at `ttl` seconds when it is new or when
    /// `refresh`; returns the count and the seconds it has left.
    async fn increment(&self, key: &str, ttl: u64, refresh: bool) -> Result<(u64, u64), String>;
    /// Sets `key` for `ttl` seconds.
    async fn hold(&self, key: &str, ttl: u64) -> Result<(), String>;
    /// Seconds `key` has left, if it exists.
    async fn remaining(&self, key: &str) -> Result<Option<u64>, String>;
    async fn forget(&self, key: &str) -> Result<(), String>;
}

/// What a limit is counted against: requests from one address, for one account, or by one client.
#[derive(Clone, Copy)]
pub enum Subject<'a> {
    Ip(&'a str),
    Account(&'a str),
    Client(&'a str),
}

impl Subject<'_> {
    fn key(self, action: &str) -> String {
        match self {
            Subject::Ip(ip) => format!("{action}:ip:{ip}"),
            // Emails are digested: the counter store never holds who tried to sign in.
            Subject::Account(email) => format!("{action}:account:{}", &digest(&normalize_email(email))[..32]),
            Subject::Client(id) => format!("{action}:client:{}", &digest(id)[..32]),
        }
    }
}

pub struct Limiter {
    counters: Box<dyn Counters>,
    window_secs: u64,
    lockout: LockoutConfig,
}

impl Limiter {
    /// Counters in Redis when `redis.url` is set (connected now, so a wrong URL stops
    /// start-up), else in this process.
    pub async fn connect(config: &Config) -> Result<Self, String> {
        let counters: Box<dyn Counters> = match &config.redis.url {
            Some(url) => Box::new(redis_store::RedisCounters::connect(url.expose(), &config.redis.key_prefix).await?),
            None => Box::new(memory::MemoryCounters::default()),
        };
        Ok(Self::with(counters, &config.security.rate_limit, &config.security.lockout))
    }

    fn with(counters: Box<dyn Counters>, rate: &RateLimitConfig, lockout: &LockoutConfig) -> Self {
        Self { counters, window_secs: rate.window_secs, lockout: lockout.clone() }
    }

    /// Counts one `action` by `subject`; refused once more than `limit` fall in one window.
    pub async fn check(&self, action: &str, subject: Subject<'_>, limit: u64) -> Result<(), Throttled> {
        if limit == 0 {
            return Ok(());
        }
        match self.counters.increment(&subject.key(action), self.window_secs, false).await {
            Ok((count, left)) if count > limit => Err(Throttled { retry_after: left }),
            Ok(_) => Ok(()),
            Err(err) => {
                tracing::warn!(error = %err, "rate-limit counters unreachable; request allowed");
                Ok(())
            }
        }
    }

    /// Counts one `action` from the request's address, when it has one.
    pub async fn check_address(
        &self,
        action: &str,
        client: &crate::security::client::ClientInfo,
        limit: u64,
    ) -> Result<(), Throttled> {
        match &client.ip {
            Some(ip) => self.check(action, Subject::Ip(ip), limit).await,
            None => Ok(()),
        }
    }

    /// Refused while the account is locked after failed sign-ins.
    pub async fn check_unlocked(&self, email: &str) -> Result<(), Throttled> {
        match self.counters.remaining(&Subject::Account(email).key("locked")).await {
            Ok(Some(left)) => Err(Throttled { retry_after: left }),
            Ok(None) => Ok(()),
            Err(err) => {
                tracing::warn!(error = %err, "lockout counters unreachable; sign-in allowed");
                Ok(())
            }
        }
    }

    /// Counts a failed sign-in; returns the seconds the account is now locked for, if it is.
    pub async fn sign_in_failed(&self, email: &str) -> Option<u64> {
        let failures = Subject::Account(email).key("failures");
        let count = match self.counters.increment(&failures, self.lockout.forget_after_secs, true).await {
            Ok((count, _)) => count,
            Err(err) => {
                tracing::warn!(error = %err, "lockout counters unreachable; failure not counted");
                return None;
            }
        };
        let lock = lock_secs(&self.lockout, count)?;
        if let Err(err) = self.counters.hold(&Subject::Account(email).key("locked"), lock).await {
            tracing::warn!(error = %err, "lockout counters unreachable; account not locked");
            return None;
        }
        Some(lock)
    }

    /// A successful sign-in clears the account's failures.
    pub async fn sign_in_succeeded(&self, email: &str) {
        for key in ["failures", "locked"] {
            if let Err(err) = self.counters.forget(&Subject::Account(email).key(key)).await {
                tracing::warn!(error = %err, "lockout counters unreachable; failures not cleared");
            }
        }
    }
}

/// How long the `failures`-th failure locks an account: nothing below the threshold,
/// then `base_secs` doubling with each further failure, at most `max_secs`.
fn lock_secs(lockout: &LockoutConfig, failures: u64) -> Option<u64> {
    if lockout.threshold == 0 || failures < lockout.threshold {
        return None;
    }
    let doublings = u32::try_from(failures - lockout.threshold).unwrap_or(u32::MAX).min(32);
    Some(lockout.base_secs.saturating_mul(1 << doublings).min(lockout.max_secs))
}

#[cfg(test)]
mod tests;
