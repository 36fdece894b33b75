//! The successor tokens of concurrent rotations, written together on the SQLite
//! writer: rotations that queue while the writer is busy are stored by one INSERT,
//! one hand-off to the writer's thread and one commit for the lot. A commit writes
//! each page it dirtied to the log once, and rotations land on the same last pages
//! of the token indexes (see `time_prefix`), so they share those writes too.
//!
//! The statement stores each successor whose parent stands unrevoked and has none
//! yet, skips the others, and returns the keys it stored; a failure stores none of
//! them. PostgreSQL, which runs concurrent writers itself, writes one at a time.

use entity::refresh_tokens::{self, Entity as RefreshTokens};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, IdenStatic, Iterable, ModelTrait,
    sea_query::{Expr, InsertStatement, OnConflict, Query, UnionType},
};
use tokio::sync::{mpsc, oneshot};

use super::{StoreError, exists_in, failed_with, unavailable};

/// The most rotations written together; a deeper queue waits for the next INSERT.
const MAX_GROUP: usize = 64;

/// One INSERT that stores each successor `row` (its `parent_hash` set) whose parent
/// stands unrevoked, skips a successor whose parent has one already (the unique
/// `parent_hash`), and returns the key of each it stored.
fn insert_successors<'a>(
    rows: impl IntoIterator<Item = &'a refresh_tokens::Model>,
) -> Result<InsertStatement, StoreError> {
    let mut selects = rows.into_iter().map(|row| {
        let parent_stands = Condition::all()
            .add(refresh_tokens::Column::TokenHash.eq(row.parent_hash.clone()))
            .add(refresh_tokens::Column::RevokedAt.is_null());
        Query::select()
            .exprs(refresh_tokens::Column::iter().map(|column| Expr::val(row.get(column))))
            .and_where(exists_in(RefreshTokens, parent_stands))
            .to_owned()
    });
    let mut values = selects.next().ok_or_else(|| StoreError::Corrupt("no successor to store".into()))?;
    for select in selects {
        values.union(UnionType::All, select);
    }
    Ok(Query::insert()
        .into_table(RefreshTokens)
        .columns(refresh_tokens::Column::iter())
        .select_from(values)
        .map_err(|e| StoreError::Corrupt(e.to_string()))?
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .returning_col(refresh_tokens::Column::TokenHash)
        .to_owned())
}

/// Runs `insert_successors` of `rows` and answers the keys it stored. The rows are
/// padded to a power of two with the last row again, which the statement skips as a
/// conflict: the SQLite writer prepares and keeps a statement for each number of rows,
/// seven of them so, not one for every group size up to 64.
pub async fn store(db: &impl ConnectionTrait, rows: &[&refresh_tokens::Model]) -> Result<Vec<String>, StoreError> {
    let padding = rows.len().next_power_of_two() - rows.len();
    let padded =
        rows.iter().copied().chain(rows.last().into_iter().flat_map(|&last| std::iter::repeat_n(last, padding)));
    let insert = insert_successors(padded)?;
    let stored = db.query_all(&insert).await?;
    Ok(stored
        .iter()
        .map(|row| row.try_get("", refresh_tokens::Column::TokenHash.as_str()))
        .collect::<Result<_, _>>()?)
}

struct Job {
    row: refresh_tokens::Model,
    /// Whether the row was stored.
    done: oneshot::Sender<Result<bool, StoreError>>,
}

/// A queue in front of the writer; its task stores what is queued, group by group.
pub struct SuccessorWrites {
    jobs: mpsc::UnboundedSender<Job>,
}

impl SuccessorWrites {
    /// Starts the task that writes through `writer`; it ends when this is dropped.
    pub fn start(writer: impl ConnectionTrait + Send + 'static) -> Self {
        let (jobs, queue) = mpsc::unbounded_channel();
        tokio::spawn(run(writer, queue));
        Self { jobs }
    }

    /// Stores `row` with the next group; false when it was skipped.
    pub async fn store(&self, row: refresh_tokens::Model) -> Result<bool, StoreError> {
        let (done, stored) = oneshot::channel();
        self.jobs.send(Job { row, done }).map_err(|_| unavailable())?;
        stored.await.map_err(|_| unavailable())?
    }
}

async fn run(writer: impl ConnectionTrait, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let rows: Vec<_> = group.iter().map(|job| &job.row).collect();
        match store(&writer, &rows).await {
            Ok(stored) => {
                for job in group.drain(..) {
                    let _ = job.done.send(Ok(stored.contains(&job.row.token_hash)));
                }
            }
            Err(err) => {
                for job in group.drain(..) {
                    let _ = job.done.send(Err(failed_with(&err)));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use entity::refresh_tokens::{self, Entity as RefreshTokens};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

    use super::SuccessorWrites;
    use crate::store::{
        db,
        refresh::{
            create,
            fixtures::{a_user, of_family},
            key_of, revoke_family,
        },
    };

    /// A successor row of the token stored under `parent`.
    fn successor(key: &str, parent: &str, user_id: &str) -> refresh_tokens::Model {
        refresh_tokens::Model {
            token_hash: key.into(),
            family_id: "f".into(),
            client_id: "app".into(),
            user_id: user_id.into(),
            session_id: None,
            scope: "openid".into(),
            auth_time: 0,
            access_jti: format!("jti-{key}"),
            created_at: 0,
            expires_at: i64::MAX,
            used_at: None,
            revoked_at: None,
            parent_hash: Some(parent.into()),
        }
    }

    #[tokio::test]
    async fn a_group_stores_one_successor_per_standing_parent_and_a_failure_stores_none() {
        let db = db::in_memory().await;
        let user = a_user(&db, "g@example.org").await;
        let standing = key_of(&create(&db, of_family("a", &user)).await.expect("parent"));
        let revoked = key_of(&create(&db, of_family("b", &user)).await.expect("parent"));
        revoke_family(&db, "b").await.expect("revoke");
        let another = key_of(&create(&db, of_family("c", &user)).await.expect("parent"));
        let writes = SuccessorWrites::start(db.clone());

        // Queued before the task runs, so the four are written by one statement.
        let (first, second, of_revoked, of_unknown) = tokio::join!(
            writes.store(successor("s1", &standing, &user)),
            writes.store(successor("s2", &standing, &user)),
            writes.store(successor("s3", &revoked, &user)),
            writes.store(successor("s4", "unknown", &user)),
        );
        assert_eq!(
            [first, second, of_revoked, of_unknown].map(|stored| stored.expect("written")),
            [true, false, false, false]
        );
        let children = RefreshTokens::find().filter(refresh_tokens::Column::ParentHash.is_not_null()).all(&db).await;
        let children: Vec<_> = children.expect("read").into_iter().map(|row| row.token_hash).collect();
        assert_eq!(children, ["s1"]);

        // An unknown user breaks a foreign key: the statement fails, for the whole group.
        let (good, broken) = tokio::join!(
            writes.store(successor("s5", "s1", &user)),
            writes.store(successor("s6", &another, "nobody")),
        );
        assert!(good.is_err() && broken.is_err());
        assert!(RefreshTokens::find_by_id("s5").one(&db).await.expect("read").is_none(), "nothing stored");
        assert!(writes.store(successor("s5", "s1", &user)).await.expect("alone"), "the next group is written");

        // A group of three is written as four, the last row again, which is skipped.
        let (a, b, c) = tokio::join!(
            writes.store(successor("s7", "s2", &user)),
            writes.store(successor("s8", &another, &user)),
            writes.store(successor("s9", "s5", &user)),
        );
        assert_eq!([a, b, c].map(|stored| stored.expect("written")), [false, true, true]);
        let stored = RefreshTokens::find().filter(refresh_tokens::Column::ParentHash.is_not_null()).all(&db).await;
        let mut stored: Vec<_> = stored.expect("read").into_iter().map(|row| row.token_hash).collect();
        stored.sort();
        assert_eq!(stored, ["s1", "s5", "s8", "s9"]);
    }

    #[tokio::test]
    async fn a_writer_that_is_gone_is_reported_unavailable() {
        let db = db::in_memory().await;
        let user = a_user(&db, "gone@example.org").await;
        let parent = key_of(&create(&db, of_family("a", &user)).await.expect("parent"));
        let writes = SuccessorWrites::start(db.clone());
        db.close().await.expect("close");
        let err = writes.store(successor("s1", &parent, &user)).await.expect_err("no writer");
        assert!(err.is_unavailable(), "answered 503, not 500: {err}");
    }
}
