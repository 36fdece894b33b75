//! Statements a write runs, through sea-orm (a transaction, or the `Db` itself) or on
//! the SQLite writer's own connection inside a group (see `grouped`). The writes that
//! run in groups are built as sea-query statements and their rows decoded by `Decode`,
//! so each is written once for every engine.

use std::{future::Future, marker::PhantomData};

use sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};
use serde::de::DeserializeOwned;

use super::{
    StoreError,
    bounded::Txn,
    row::{Decode, StoreRow},
    writer_txn::WriterTxn,
};

pub trait Exec: Sync {
    fn backend(&self) -> DbBackend;

    /// Runs `statement` and answers how many rows it changed.
    fn execute(&self, statement: Statement) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Every row `statement` answers, each decoded by `decode`.
    fn query_all<D>(
        &self,
        statement: Statement,
        decode: D,
    ) -> impl Future<Output = Result<Vec<D::Output>, StoreError>> + Send
    where
        D: Decode + Clone + Send,
        D::Output: Send;
}

impl<C: ConnectionTrait + Sync> Exec for C {
    fn backend(&self) -> DbBackend {
        self.get_database_backend()
    }

    async fn execute(&self, statement: Statement) -> Result<u64, StoreError> {
        Ok(self.execute_raw(statement).await?.rows_affected())
    }

    async fn query_all<D>(&self, statement: Statement, decode: D) -> Result<Vec<D::Output>, StoreError>
    where
        D: Decode + Clone + Send,
        D::Output: Send,
    {
        let rows = self.query_all_raw(statement).await?;
        rows.iter().map(|row| decode.clone().decode(row)).collect()
    }
}

/// The transaction a write runs in: sea-orm's, or a group's on the SQLite writer.
#[derive(Clone, Copy)]
pub enum WriteTxn<'t> {
    Pool(&'t Txn),
    Writer(&'t WriterTxn),
}

impl Exec for WriteTxn<'_> {
    fn backend(&self) -> DbBackend {
        match self {
            WriteTxn::Pool(txn) => txn.get_database_backend(),
            WriteTxn::Writer(_) => DbBackend::Sqlite,
        }
    }

    async fn execute(&self, statement: Statement) -> Result<u64, StoreError> {
        match self {
            WriteTxn::Pool(txn) => Exec::execute(*txn, statement).await,
            WriteTxn::Writer(txn) => txn.execute(&statement),
        }
    }

    async fn query_all<D>(&self, statement: Statement, decode: D) -> Result<Vec<D::Output>, StoreError>
    where
        D: Decode + Clone + Send,
        D::Output: Send,
    {
        match self {
            WriteTxn::Pool(txn) => Exec::query_all(*txn, statement, decode).await,
            WriteTxn::Writer(txn) => txn.query_all(&statement, decode),
        }
    }
}

/// Decodes a whole row as the model `M`.
pub struct Model<M>(PhantomData<fn() -> M>);

// By hand: derived, they would require `M: Default` and `M: Clone`.
impl<M> Default for Model<M> {
    fn default() -> Self {
        Self(PhantomData)
    }
}

impl<M> Clone for Model<M> {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl<M: FromQueryResult + DeserializeOwned> Decode for Model<M> {
    type Output = M;

    fn decode(self, row: &impl StoreRow) -> Result<M, StoreError> {
        row.model("")
    }
}
