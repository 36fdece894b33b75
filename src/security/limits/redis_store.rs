//! Counters in Redis, shared by every mana-auth process that points at it.

use async_trait::async_trait;
use redis::{AsyncCommands, Script, aio::ConnectionManager};

use super::Counters;

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
}

impl RedisCounters {
    pub async fn connect(url: &str, prefix: &str) -> Result<Self, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis.url: {e}"))?;
        let connection = ConnectionManager::new(client).await.map_err(|e| format!("redis: {e}"))?;
        Ok(Self { connection, increment: Script::new(INCREMENT), prefix: prefix.to_owned() })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.prefix)
    }
}

#[async_trait]
impl Counters for RedisCounters {
    async fn increment(&self, key: &str, ttl: u64, refresh: bool) -> Result<(u64, u64), String> {
        let mut connection = self.connection.clone();
        let (count, left): (u64, i64) = self
            .increment
            .key(self.key(key))
            .arg(ttl)
            .arg(if refresh { "1" } else { "0" })
            .invoke_async(&mut connection)
            .await
            .map_err(|e| e.to_string())?;
        Ok((count, u64::try_from(left).unwrap_or(ttl).max(1)))
    }

    async fn hold(&self, key: &str, ttl: u64) -> Result<(), String> {
        let mut connection = self.connection.clone();
        connection.set_ex::<_, _, ()>(self.key(key), 1, ttl).await.map_err(|e| e.to_string())
    }

    async fn remaining(&self, key: &str) -> Result<Option<u64>, String> {
        let mut connection = self.connection.clone();
        let left: i64 = connection.ttl(self.key(key)).await.map_err(|e| e.to_string())?;
        Ok(u64::try_from(left).ok().filter(|left| *left > 0))
    }

    async fn forget(&self, key: &str) -> Result<(), String> {
        let mut connection = self.connection.clone();
        connection.del::<_, ()>(self.key(key)).await.map_err(|e| e.to_string())
    }
}
