//! Counters inside this process: a map of counts with their expiry times.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;

use super::Counters;

/// Expired keys are swept out at most this often.
const SWEEP_EVERY: Duration = Duration::from_secs(10);

type Entries = HashMap<String, (u64, Instant)>;

pub struct MemoryCounters {
    inner: Mutex<(Entries, Instant)>,
}

impl Default for MemoryCounters {
    fn default() -> Self {
        Self { inner: Mutex::new((HashMap::new(), Instant::now())) }
    }
}

impl MemoryCounters {
    fn with_entries<T>(&self, f: impl FnOnce(&mut Entries, Instant) -> T) -> T {
        let mut inner = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (entries, swept_at) = &mut *inner;
        let now = Instant::now();
        if now.duration_since(*swept_at) >= SWEEP_EVERY {
            entries.retain(|_, (_, expires)| *expires > now);
            *swept_at = now;
        }
        f(entries, now)
    }
}

#[async_trait]
impl Counters for MemoryCounters {
    async fn increment(&self, key: &str, ttl: u64, refresh: bool) -> Result<(u64, u64), String> {
        Ok(self.with_entries(|entries, now| {
            let entry = entries.entry(key.to_owned()).or_insert((0, now));
            if entry.1 <= now {
                *entry = (0, now + Duration::from_secs(ttl));
            }
            entry.0 += 1;
            if refresh {
                entry.1 = now + Duration::from_secs(ttl);
            }
            (entry.0, entry.1.saturating_duration_since(now).as_secs().max(1))
        }))
    }

    async fn hold(&self, key: &str, ttl: u64) -> Result<(), String> {
        self.with_entries(|entries, now| entries.insert(key.to_owned(), (1, now + Duration::from_secs(ttl))));
        Ok(())
    }

    async fn remaining(&self, key: &str) -> Result<Option<u64>, String> {
        Ok(self.with_entries(|entries, now| {
            entries
                .get(key)
                .filter(|(_, expires)| *expires > now)
                .map(|(_, expires)| expires.saturating_duration_since(now).as_secs().max(1))
        }))
    }

    async fn forget(&self, key: &str) -> Result<(), String> {
        self.with_entries(|entries, _| entries.remove(key));
        Ok(())
    }
}
