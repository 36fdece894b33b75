//! Writes that queue for the SQLite writer and are committed in groups. Each write runs
//! in a savepoint of its own inside one transaction (a write alone in the transaction
//! itself): a write that fails undoes only itself, while the group shares one commit,
//! the log pages its writes have in common and the checkpoints those pages bring. A
//! caller hears its answer once the commit is known, so a failed commit fails every
//! write of the group. PostgreSQL, which runs concurrent writers itself, gives each
//! write a transaction of its own (see `Db::write`).

use futures_util::future::BoxFuture;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use tokio::sync::{mpsc, oneshot};

use super::{StoreError, failed_with, unavailable};

/// The most writes committed together; a deeper queue waits for the next commit.
const MAX_GROUP: usize = 64;

/// Work done inside a write transaction; it is kept when it succeeds. It holds the
/// writer while it runs, so it waits on nothing but its own statements.
pub trait Work<T, E>: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>> + Send + 'static {}

impl<T, E, F> Work<T, E> for F where
    F: for<'t> FnOnce(&'t DatabaseTransaction) -> BoxFuture<'t, Result<T, E>> + Send + 'static
{
}

/// A queued write, its result type hidden so that writes of every kind share the queue.
trait Queued: Send {
    /// Runs the work in `txn`: its savepoint, or the group's transaction when it is alone.
    fn run(self: Box<Self>, txn: &DatabaseTransaction) -> BoxFuture<'_, Ran>;
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
    fn run(self: Box<Self>, txn: &DatabaseTransaction) -> BoxFuture<'_, Ran> {
        Box::pin(async move {
            let Job { work, done } = *self;
            let outcome = work(txn).await;
            let keep = outcome.is_ok();
            let tell = move |failure: Option<&StoreError>| {
                let _ = done.send(match failure {
                    Some(err) => Err(failed_with(err).into()),
                    None => outcome,
                });
            };
            Ran { keep, tell: Box::new(tell) }
        })
    }

    fn fail(self: Box<Self>, err: &StoreError) {
        let _ = self.done.send(Err(failed_with(err).into()));
    }
}

/// A queue in front of the writer; its task commits what is queued, group by group.
pub struct GroupedWrites {
    jobs: mpsc::UnboundedSender<Box<dyn Queued>>,
}

impl GroupedWrites {
    /// Starts the task that writes through `writer`; it ends when this is dropped.
    pub fn start(writer: DatabaseConnection) -> Self {
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

async fn run(writer: DatabaseConnection, mut queue: mpsc::UnboundedReceiver<Box<dyn Queued>>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let mut pending = group.drain(..);
        let mut ran = Vec::with_capacity(pending.len());
        let committed = commit_group(&writer, &mut pending, &mut ran).await.map_err(StoreError::from);
        let failure = committed.as_ref().err();
        for tell in ran {
            tell(failure);
        }
        if let Some(err) = failure {
            pending.for_each(|write| write.fail(err));
        }
    }
}

/// Runs each of `pending` in a savepoint of one transaction (a lone write in the
/// transaction itself) and commits it; `ran` collects how to tell the writes that ran.
/// On an error the rest stay in `pending`.
async fn commit_group(
    writer: &DatabaseConnection,
    pending: &mut impl ExactSizeIterator<Item = Box<dyn Queued>>,
    ran: &mut Vec<Tell>,
) -> Result<(), DbErr> {
    let txn = writer.begin().await?;
    // A write alone needs no savepoint: the transaction is its own.
    let alone = pending.len() == 1;
    for write in pending {
        let savepoint = if alone { None } else { Some(txn.begin().await?) };
        let Ran { keep, tell } = write.run(savepoint.as_ref().unwrap_or(&txn)).await;
        ran.push(tell);
        match savepoint {
            Some(savepoint) if keep => savepoint.commit().await?,
            Some(savepoint) => savepoint.rollback().await?,
            None if !keep => return txn.rollback().await,
            None => {}
        }
    }
    txn.commit().await
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement};

    use crate::store::{StoreError, db};

    /// A database in a file of its own, with a table `t` whose rows may name a parent.
    async fn a_file_db(name: &str) -> (db::Db, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("mana-auth-grouped-{name}-{}", std::process::id()));
        let db = db::in_file(&dir).await;
        db.execute_unprepared("CREATE TABLE t (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES t (id))")
            .await
            .expect("table");
        (db, dir)
    }

    async fn insert(txn: &DatabaseTransaction, id: i64, parent: Option<i64>) -> Result<(), StoreError> {
        let statement = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO t VALUES (?, ?)",
            [id.into(), parent.into()],
        );
        txn.execute_raw(statement).await?;
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

    #[tokio::test]
    async fn a_write_that_fails_undoes_only_itself() {
        let (db, dir) = a_file_db("undo").await;
        // Queued before the writer's task runs, so the three share one transaction.
        let refused = db.write(|txn| {
            Box::pin(async move {
                insert(txn, 2, None).await?;
                Err::<(), _>(StoreError::Corrupt("refused".into()))
            })
        });
        let (first, refused, third) = tokio::join!(write_row(&db, 1), refused, write_row(&db, 3));
        assert_eq!((first.expect("kept"), third.expect("kept")), (1, 3));
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
        db.close().await.expect("close");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_commit_that_fails_fails_the_whole_group_and_the_next_group_is_written() {
        let (db, dir) = a_file_db("commit").await;
        // A foreign key checked at the commit: the group's commit fails, not the write.
        let dangling = db.write(|txn| {
            Box::pin(async move {
                txn.execute_unprepared("PRAGMA defer_foreign_keys = ON").await?;
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
        assert_eq!(stored(&db).await, [4]);
        db.close().await.expect("close");
        std::fs::remove_dir_all(dir).ok();
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
