//! A read replica (`database.read_replica_url`) that answers reads while the primary
//! does not. A read that finds the primary unreachable marks it down and is answered by
//! the replica; while it is down, reads go straight to the replica, writes fail at once
//! as unavailable (503), and a watcher pings the primary every second until it answers.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sea_orm::{DatabaseConnection, DbErr, RuntimeErr};

use super::bounded::bounded;

pub struct Replica {
    pool: DatabaseConnection,
    primary_down: AtomicBool,
}

impl Replica {
    /// Starts watching `primary`, which answers again when it pings within `limit`.
    pub fn start(pool: DatabaseConnection, primary: DatabaseConnection, limit: Duration) -> Arc<Replica> {
        let replica = Arc::new(Replica { pool, primary_down: AtomicBool::new(false) });
        let watched = Arc::downgrade(&replica);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_secs(1));
            loop {
                every.tick().await;
                let Some(replica) = watched.upgrade() else { return };
                if replica.primary_is_down() && bounded(limit, primary.ping()).await.is_ok() {
                    replica.primary_answered();
                }
            }
        });
        replica
    }

    pub fn pool(&self) -> &DatabaseConnection {
        &self.pool
    }

    pub fn primary_is_down(&self) -> bool {
        self.primary_down.load(Ordering::Relaxed)
    }

    /// Marks the primary down after `err`, when `err` says it is unreachable; true then.
    pub fn primary_failed(&self, err: &DbErr) -> bool {
        if !super::unreachable(err) {
            return false;
        }
        if !self.primary_down.swap(true, Ordering::Relaxed) {
            tracing::warn!(error = %err, "the primary database does not answer: read-only from the replica");
        }
        true
    }

    /// Marks the primary up after it answered.
    pub fn primary_answered(&self) {
        if self.primary_down.swap(false, Ordering::Relaxed) {
            tracing::info!("the primary database answers again: reads and writes go to it");
        }
    }

    /// The error a write gets at once while the primary is down.
    pub fn read_only() -> DbErr {
        DbErr::Conn(RuntimeErr::Internal("the primary database does not answer: read-only".into()))
    }
}
