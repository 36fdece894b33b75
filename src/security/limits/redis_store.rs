//! Counters in Redis, shared by every mana-auth process that points at it. Redis
//! must never make a request wait: every call has a short deadline, and after a
//! failure Redis is left alone for a moment (the limits fail open meanwhile), while
//! the connection manager reconnects in the background.

use std::{
    future::Future,
    sync::atomic::{AtomicU64, Ordering},
    time::{Duration, Instant},
};

use async_trait::async_trait;
use redis::{AsyncCommands, RedisError, Script, aio::ConnectionManager};

use super::Counters;

/// The longest a request waits for Redis.
const DEADLINE: Duration = Duration::from_millis(250);
/// After a failure, calls skip Redis this long instead of each waiting out the deadline.
const BACK_OFF: Duration = Duration::from_secs(2);

/// INCR, then start the expiry when the key is new (or always, when asked), atomically.
const INCREMENT: &str = r"
local count = redis.call('INCR', KEYS[1])
local left = redis.call('TTL', KEYS[1])
if left < 0 or ARGV[2] == '1' then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
  left = tonumber(ARGV[1])
end
return {count, left}
";

pub struct RedisCounters {
    connection: ConnectionManager,
    increment: Script,
    prefix: String,
    started: Instant,
    /// Milliseconds after `started` until which Redis is skipped; 0 when it answers.
    skip_until_ms: AtomicU64,
}

impl RedisCounters {
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis.url: {e}"))?;
        let connection = ConnectionManager::new(client).await.map_err(|e| format!("redis: {e}"))?;
        Ok(Self {
            connection,
            increment: Script::new(INCREMENT),
            prefix: prefix.to_owned(),
            started: Instant::now(),
            skip_until_ms: AtomicU64::new(0),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Runs one Redis call within the deadline, unless Redis failed a moment ago.
    async fn call<T>(&self, work: impl Future<Output = Result<T, RedisError>>) -> Result<T, String> {
        if self.elapsed_ms() < self.skip_until_ms.load(Ordering::Relaxed) {
            return Err("redis failed a moment ago; skipped".into());
        }
        let failure = match tokio::time::timeout(DEADLINE, work).await {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(err)) => err.to_string(),
            Err(_) => format!("no answer within {} ms", DEADLINE.as_millis()),
        };
        let back_off = u64::try_from(BACK_OFF.as_millis()).unwrap_or(u64::MAX);
        self.skip_until_ms.store(self.elapsed_ms().saturating_add(back_off), Ordering::Relaxed);
        Err(failure)
    }
}

#[async_trait]
impl Counters for RedisCounters {
    async fn increment(&self, key: &str, ttl: u64, refresh: bool) -> Result<(u64, u64), String> {
        let mut connection = self.connection.clone();
        let key = self.key(key);
        let mut invocation = self.increment.key(key);
        invocation.arg(ttl).arg(if refresh { "1" } else { "0" });
        let (count, left): (u64, i64) = self.call(invocation.invoke_async(&mut connection)).await?;
        Ok((count, u64::try_from(left).unwrap_or(ttl).max(1)))
    }

    async fn hold(&self, key: &str, ttl: u64) -> Result<(), String> {
        let mut connection = self.connection.clone();
        self.call(connection.set_ex::<_, _, ()>(self.key(key), 1, ttl)).await
    }

    async fn remaining(&self, key: &str) -> Result<Option<u64>, String> {
        let mut connection = self.connection.clone();
        let left: i64 = self.call(connection.ttl(self.key(key))).await?;
        Ok(u64::try_from(left).ok().filter(|left| *left > 0))
    }

    async fn forget(&self, key: &str) -> Result<(), String> {
        let mut connection = self.connection.clone();
        self.call(connection.del::<_, ()>(self.key(key))).await
    }
}
