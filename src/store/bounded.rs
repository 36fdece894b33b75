//! Statements bounded in time. A database that stalls (the connection open, no answer)
//! would hold every request on it for as long as it stalls; each statement, begin and
//! commit here gives up after `database.statement_timeout_secs` and fails as
//! unavailable (503). The bound is kept by the client, since a stalled server or
//! network cancels nothing; the server is not told to cancel long statements, as
//! migrations and backups run theirs on the same connections.

use std::{future::Future, time::Duration};

use async_trait::async_trait;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, RuntimeErr, Statement};

use super::StoreError;

/// Awaits `work` for at most `limit`; past it the connection counts as stalled, a
/// connection error (which `StoreError` reads as unavailable). Its span, `statement`,
/// is the innermost of a request's store calls.
#[tracing::instrument(level = "debug", name = "statement", skip_all)]
pub async fn bounded<T>(limit: Duration, work: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
    let stalled = || DbErr::Conn(RuntimeErr::Internal(format!("no answer within {} s", limit.as_secs())));
    tokio::time::timeout(limit, work).await.unwrap_or_else(|_| Err(stalled()))
}

/// A transaction whose every statement, and its commit, is bounded in time (unless it
/// reads a whole snapshot, see `Db::begin_read`). Dropped unfinished, it is rolled back.
pub struct Txn {
    inner: DatabaseTransaction,
    limit: Option<Duration>,
}

impl Txn {
    pub fn new(inner: DatabaseTransaction, limit: Option<Duration>) -> Self {
        Txn { inner, limit }
    }

    async fn run<T>(&self, work: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
        within(self.limit, work).await
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn commit(self) -> Result<(), StoreError> {
        let limit = self.limit;
        Ok(within(limit, self.inner.commit()).await?)
    }

    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn rollback(self) -> Result<(), StoreError> {
        let limit = self.limit;
        Ok(within(limit, self.inner.rollback()).await?)
    }
}

/// `work` bounded by `limit` when there is one.
async fn within<T>(limit: Option<Duration>, work: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
    match limit {
        Some(limit) => bounded(limit, work).await,
        None => work.await,
    }
}

#[async_trait]
impl ConnectionTrait for Txn {
    fn get_database_backend(&self) -> DbBackend {
        self.inner.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.run(self.inner.execute_raw(stmt)).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.run(self.inner.execute_unprepared(sql)).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.run(self.inner.query_one_raw(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.run(self.inner.query_all_raw(stmt)).await
    }
}
