//! A group's transaction on the SQLite writer's own connection (see `grouped`). sqlx
//! runs each statement on its connection's thread, two thread switches and their
//! wake-ups per statement; a group instead locks that connection once and runs every
//! statement of every write in place, as the inline reads do.

use std::{
    ptr::NonNull,
    sync::{Mutex, MutexGuard, PoisonError},
};

use rusqlite::{Connection, ffi};
use sea_orm::Statement;

use super::{
    StoreError,
    inline::{ColumnNames, InlineRow, bind},
    row::Decode,
};

pub struct WriterTxn {
    /// A mutex only so that the writes' futures, which must be `Send`, can hold it; one
    /// thread runs the whole group, so it is never waited for.
    connection: Mutex<Connection>,
}

impl WriterTxn {
    /// Begins a transaction on `handle`.
    ///
    /// # Safety
    /// `handle` is an open connection that nothing else uses until this is dropped.
    /// Dropping it finalizes the statements it prepared and leaves `handle` open, out
    /// of any transaction.
    pub unsafe fn begin(handle: NonNull<ffi::sqlite3>) -> Result<Self, StoreError> {
        // SAFETY: the caller lends the handle to this connection alone; it does not
        // own the handle, so it never closes it.
        let connection = unsafe { Connection::from_handle(handle.as_ptr()) }?;
        let txn = Self { connection: Mutex::new(connection) };
        txn.run("BEGIN")?;
        Ok(txn)
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        self.connection.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `sql`, which binds nothing, through the kept statements.
    fn run(&self, sql: &str) -> Result<(), StoreError> {
        self.connection().prepare_cached(sql)?.execute([])?;
        Ok(())
    }

    /// Starts a savepoint for one write of the group.
    pub fn savepoint(&self) -> Result<(), StoreError> {
        self.run("SAVEPOINT grouped_write")
    }

    /// Keeps what the write since `savepoint` did, or undoes it.
    pub fn release(&self, keep: bool) -> Result<(), StoreError> {
        if !keep {
            self.run("ROLLBACK TO grouped_write")?;
        }
        self.run("RELEASE grouped_write")
    }

    pub fn commit(self) -> Result<(), StoreError> {
        self.run("COMMIT")
    }

    /// Undoes the whole transaction.
    pub fn rollback(self) -> Result<(), StoreError> {
        self.run("ROLLBACK")
    }

    pub fn execute(&self, statement: &Statement) -> Result<u64, StoreError> {
        let connection = self.connection();
        let mut prepared = connection.prepare_cached(&statement.sql)?;
        Ok(prepared.execute(values_of(statement))? as u64)
    }

    pub fn query_all<D: Decode + Clone>(&self, statement: &Statement, decode: D) -> Result<Vec<D::Output>, StoreError> {
        let connection = self.connection();
        let mut prepared = connection.prepare_cached(&statement.sql)?;
        let mut rows = prepared.query(values_of(statement))?;
        let names = ColumnNames::new();
        let mut decoded = Vec::new();
        while let Some(row) = rows.next()? {
            decoded.push(decode.clone().decode(&InlineRow::new(row, &names))?);
        }
        Ok(decoded)
    }
}

/// The values bound to `statement`, as rusqlite binds them.
fn values_of(statement: &Statement) -> impl rusqlite::Params + '_ {
    bind(statement.values.iter().flat_map(|values| values.iter()))
}

/// A transaction still open (its commit failed, or a write panicked) is rolled back,
/// so the connection goes back to sqlx out of any transaction.
impl Drop for WriterTxn {
    fn drop(&mut self) {
        let connection = self.connection();
        if !connection.is_autocommit() {
            let _ = connection.execute_batch("ROLLBACK");
        }
    }
}
