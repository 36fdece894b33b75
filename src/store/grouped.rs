//! Writes that queue for the SQLite writer and are committed in groups. Each write runs
//! in a savepoint of its own inside one transaction (a write alone in the transaction
//! itself): a write that fails undoes only itself, while the group shares one commit,
//! the log pages its writes have in common and the checkpoints those pages bring. The
//! group locks the writer's connection once and runs every statement in place (see
//! `writer_txn`). A caller hears its answer once the commit is known, so a failed
//! commit fails every write of the group. PostgreSQL, which runs concurrent writers
//! itself, gives each write a transaction of its own (see `Db::write`).

use std::{
    panic::{self, AssertUnwindSafe},
    ptr::NonNull,
};

use futures_util::{FutureExt, future::BoxFuture};
use rusqlite::ffi::sqlite3;
use sea_orm::sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::{StoreError, exec::WriteTxn, failed_with, unavailable, writer_txn::WriterTxn};

/// The most writes committed together; a deeper queue waits for the next commit.
const MAX_GROUP: usize = 64;

/// Work done inside a write transaction; it is kept when it succeeds. In a group it
/// runs in place on the writer's connection, so it waits on nothing but its own
/// statements (see `Exec`).
pub trait Work<T, E>: for<'t> FnOnce(WriteTxn<'t>) -> BoxFuture<'t, Result<T, E>> + Send + 'static {}

impl<T, E, F> Work<T, E> for F where F: for<'t> FnOnce(WriteTxn<'t>) -> BoxFuture<'t, Result<T, E>> + Send + 'static {}

/// A queued write, its result type hidden so that writes of every kind share the queue.
trait Queued: Send {
    /// Runs the work in `txn`: its savepoint, or the group's transaction when it is alone.
    fn run(self: Box<Self>, txn: &WriterTxn) -> Ran;
    /// Tells the caller that the group failed before this write ran.
    fn fail(self: Box<Self>, err: &StoreError);
}

/// Tells a write's caller its answer, given the group's failure if it failed.
type Tell = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// A write that ran: whether to keep it, and how to tell its caller once the commit is known.
struct Ran {
    keep: bool,
    tell: Tell,
}

struct Job<W, T, E> {
    work: W,
    done: oneshot::Sender<Result<T, E>>,
}

impl<W: Work<T, E>, T: Send + 'static, E: From<StoreError> + Send + 'static> Queued for Job<W, T, E> {
    fn run(self: Box<Self>, txn: &WriterTxn) -> Ran {
        let Job { work, done } = *self;
        // Its statements run in place, so the work is done when first polled. A write that
        // panics is undone like one that failed, and the group goes on.
        let polled = panic::catch_unwind(AssertUnwindSafe(|| work(WriteTxn::Writer(txn)).now_or_never()));
        let outcome = match polled {
            Ok(Some(outcome)) => outcome,
            Ok(None) => Err(refused("a grouped write waited on something besides its statements")),
            Err(_) => Err(refused("a grouped write panicked")),
        };
        let keep = outcome.is_ok();
        let tell = move |failure: Option<&StoreError>| {
            let _ = done.send(match failure {
                Some(err) => Err(failed_with(err).into()),
                None => outcome,
            });
        };
        Ran { keep, tell: Box::new(tell) }
    }

    fn fail(self: Box<Self>, err: &StoreError) {
        let _ = self.done.send(Err(failed_with(err).into()));
    }
}

/// The error of a write that could not be run to its end.
fn refused<E: From<StoreError>>(why: &str) -> E {
    StoreError::Other(why.into()).into()
}

/// A queue in front of the writer; its task commits what is queued, group by group.
pub struct GroupedWrites {
    jobs: mpsc::UnboundedSender<Box<dyn Queued>>,
}

impl GroupedWrites {
    /// Starts the task that writes through `writer`, a pool of one SQLite connection;
    /// it ends when this is dropped.
    pub fn start(writer: SqlitePool) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(writer, queue));
        Self { jobs }
    }

    /// Runs `work` with the next group and answers its result once the group committed.
    pub async fn write<T, E>(&self, work: impl Work<T, E>) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let (done, answer) = oneshot::channel();
        self.jobs.send(Box::new(Job { work, done })).map_err(|_| unavailable())?;
        answer.await.map_err(|_| unavailable())?
    }
}

async fn run(writer: SqlitePool, mut queue: mpsc::UnboundedReceiver<Box<dyn Queued>>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let mut pending = group.drain(..);
        let mut ran = Vec::with_capacity(pending.len());
        // One hand-off to the connection's thread locks it for the whole group.
        let committed = match writer.acquire().await {
            Ok(mut connection) => match connection.lock_handle().await {
                Ok(mut locked) => commit_group(locked.as_raw_handle(), &mut pending, &mut ran),
                Err(err) => Err(not_reached(err)),
            },
            Err(err) => Err(not_reached(err)),
        };
        let failure = committed.as_ref().err();
        for tell in ran {
            tell(failure);
        }
        if let Some(err) = failure {
            pending.for_each(|write| write.fail(err));
        }
    }
}

/// The writer's connection could not be had: the pool is closed or its thread is gone.
fn not_reached(err: sea_orm::sqlx::Error) -> StoreError {
    StoreError::Unavailable(format!("the writer's connection: {err}"))
}

/// Runs each of `pending` in a savepoint of one transaction (a lone write in the
/// transaction itself) and commits it; `ran` collects how to tell the writes that ran.
/// On an error the rest stay in `pending`. `handle` is the writer's connection, locked
/// for this group.
fn commit_group(
    handle: NonNull<sqlite3>,
    pending: &mut impl ExactSizeIterator<Item = Box<dyn Queued>>,
    ran: &mut Vec<Tell>,
) -> Result<(), StoreError> {
    // SAFETY: the connection stays locked until after this returns, and the
    // transaction is dropped here.
    let txn = unsafe { WriterTxn::begin(handle) }?;
    // A write alone needs no savepoint: the transaction is its own.
    let alone = pending.len() == 1;
    for write in pending {
        if !alone {
            txn.savepoint()?;
        }
        let Ran { keep, tell } = write.run(&txn);
        ran.push(tell);
        if !alone {
            txn.release(keep)?;
        } else if !keep {
            return txn.rollback();
        }
    }
    txn.commit()
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use super::Work;
    use crate::store::{
        StoreError, db,
        exec::{Exec, WriteTxn},
    };

    /// A database in a file of its own, with a table `t` whose rows may name a parent.
    async fn a_file_db(name: &str) -> (db::Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("mana-auth-grouped-{name}-{}", std::process::id()));
        let db = db::in_file(&dir).await;
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES t (id))")
            .await
            .expect("table");
        (db, dir)
    }

    async fn insert(txn: WriteTxn<'_>, id: i64, parent: Option<i64>) -> Result<(), StoreError> {
        let statement = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO t VALUES (?, ?)",
            [id.into(), parent.into()],
        );
        txn.execute(statement).await?;
        Ok(())
    }

    async fn stored(db: &db::Db) -> Vec<i64> {
        let rows = db.query_all_raw(Statement::from_string(DbBackend::Sqlite, "SELECT id FROM t ORDER BY id")).await;
        rows.expect("read").iter().map(|row| row.try_get("", "id").expect("id")).collect()
    }

    /// Inserts row `id` and answers it.
    async fn write_row(db: &db::Db, id: i64) -> Result<i64, StoreError> {
        db.write(move |txn| Box::pin(async move { insert(txn, id, None).await.map(|()| id) })).await
    }

    /// Runs `work` queued between the writes of rows 1 and 3, before the writer's task
    /// runs, so the three share one transaction; both neighbours must be kept.
    async fn between_two_writes<T: Send + 'static>(
        db: &db::Db,
        work: impl Work<T, StoreError>,
    ) -> Result<T, StoreError> {
        let (first, middle, third) = tokio::join!(write_row(db, 1), db.write(work), write_row(db, 3));
        assert_eq!((first.expect("kept"), third.expect("kept")), (1, 3));
        middle
    }

    async fn close_and_remove(db: db::Db, dir: std::path::PathBuf) {
        db.close().await.expect("close");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_write_that_fails_undoes_only_itself() {
        let (db, dir) = a_file_db("undo").await;
        let refused = between_two_writes(&db, |txn| {
            Box::pin(async move {
                insert(txn, 2, None).await?;
                Err::<(), _>(StoreError::Corrupt("refused".into()))
            })
        })
        .await;
        assert!(matches!(refused, Err(StoreError::Corrupt(m)) if m == "refused"), "its own error");
        assert_eq!(stored(&db).await, [1, 3]);

        let alone = db.write(|txn| {
            Box::pin(async move {
                insert(txn, 4, None).await?;
                Err::<(), _>(StoreError::Corrupt("refused alone".into()))
            })
        });
        assert!(matches!(alone.await, Err(StoreError::Corrupt(m)) if m == "refused alone"));
        assert_eq!(write_row(&db, 5).await.expect("kept"), 5);
        assert_eq!(stored(&db).await, [1, 3, 5], "a write alone is undone when it fails");
        close_and_remove(db, dir).await;
    }

    #[tokio::test]
    async fn a_commit_that_fails_fails_the_whole_group_and_the_next_group_is_written() {
        let (db, dir) = a_file_db("commit").await;
        // A foreign key checked at the commit: the group's commit fails, not the write.
        let dangling = db.write(|txn| {
            Box::pin(async move {
                txn.execute(Statement::from_string(DbBackend::Sqlite, "PRAGMA defer_foreign_keys = ON")).await?;
                insert(txn, 2, Some(99)).await
            })
        });
        let (first, dangling, third) = tokio::join!(write_row(&db, 1), dangling, write_row(&db, 3));
        for outcome in [first.map(|_| ()), dangling, third.map(|_| ())] {
            let err = outcome.expect_err("the group failed");
            assert!(err.to_string().contains("FOREIGN KEY"), "{err}");
        }
        assert!(stored(&db).await.is_empty(), "nothing of the group is stored");
        assert_eq!(write_row(&db, 4).await.expect("alone"), 4);
        // Written through sqlx on the same connection: it was handed back out of any transaction.
        db.execute_unprepared("INSERT INTO t VALUES (5, NULL)").await.expect("sqlx writes");
        assert_eq!(stored(&db).await, [4, 5]);
        close_and_remove(db, dir).await;
    }

    #[tokio::test]
    async fn a_duplicate_key_is_a_conflict() {
        let (db, dir) = a_file_db("conflict").await;
        write_row(&db, 1).await.expect("first");
        let err = write_row(&db, 1).await.expect_err("taken");
        assert!(matches!(err, StoreError::Conflict(_)), "{err}");
        close_and_remove(db, dir).await;
    }

    #[tokio::test]
    async fn a_write_that_waits_on_anything_but_its_statements_is_undone() {
        let (db, dir) = a_file_db("waits").await;
        let waits = between_two_writes(&db, |txn| {
            Box::pin(async move {
                insert(txn, 2, None).await?;
                tokio::task::yield_now().await;
                Ok::<_, StoreError>(())
            })
        })
        .await;
        let err = waits.expect_err("refused");
        assert!(err.to_string().contains("waited on something besides its statements"), "{err}");
        assert_eq!(stored(&db).await, [1, 3], "its row is undone");
        close_and_remove(db, dir).await;
    }

    /// Panics, where a write would answer.
    fn explode() -> Result<(), StoreError> {
        panic!("a write that panics")
    }

    #[tokio::test]
    async fn a_write_that_panics_is_undone_and_the_writer_goes_on() {
        let (db, dir) = a_file_db("panics").await;
        let panicked = between_two_writes(&db, |txn| {
            Box::pin(async move {
                insert(txn, 2, None).await?;
                explode()
            })
        })
        .await;
        let err = panicked.expect_err("refused");
        assert!(err.to_string().contains("panicked") && !err.is_unavailable(), "answered 500, not 503: {err}");
        assert_eq!(write_row(&db, 4).await.expect("the writer goes on"), 4);
        assert_eq!(stored(&db).await, [1, 3, 4], "its row is undone");
        close_and_remove(db, dir).await;
    }

    #[tokio::test]
    async fn a_writer_that_is_gone_is_reported_unavailable() {
        let (db, dir) = a_file_db("gone").await;
        db.clone().close().await.expect("close");
        let err = write_row(&db, 1).await.expect_err("no writer");
        assert!(err.is_unavailable(), "answered 503, not 500: {err}");
        std::fs::remove_dir_all(dir).ok();
    }
}
