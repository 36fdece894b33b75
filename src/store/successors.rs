//! Rotations' successors written together on an SQLite file, where one connection
//! writes: rotations that queue while it is busy are stored by one statement
//! (`refresh::store_successors`) and one commit for the lot, instead of one of each per
//! rotation. Rotations land on the same last pages of the token indexes (see
//! `time_prefix`), so they share those pages' writes too. PostgreSQL, which runs
//! concurrent writers itself, stores each rotation on its own.

use entity::refresh_tokens;
use sea_orm::ConnectionTrait;
use tokio::sync::{mpsc, oneshot};

use super::{StoreError, refresh::store_successors};

/// The most rotations stored together; a deeper queue waits for the next statement.
const MAX_GROUP: usize = 64;

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

    /// Stores `row` with the next group; false when it was skipped (see
    /// `refresh::store_successors`).
    pub async fn store(&self, row: refresh_tokens::Model) -> Result<bool, StoreError> {
        let (done, stored) = oneshot::channel();
        self.jobs.send(Job { row, done }).map_err(|_| closed())?;
        stored.await.map_err(|_| closed())?
    }
}

/// The queue's task is gone: the database is being closed.
fn closed() -> StoreError {
    StoreError::Unavailable("the queue of refresh-token writes is closed".into())
}

async fn run(writer: impl ConnectionTrait, mut queue: mpsc::UnboundedReceiver<Job>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while queue.recv_many(&mut group, MAX_GROUP).await > 0 {
        let rows: Vec<_> = group.iter().map(|job| &job.row).collect();
        let stored = store_successors(&writer, &rows).await;
        for job in group.drain(..) {
            let answer = match &stored {
                Ok(keys) => Ok(keys.contains(&job.row.token_hash)),
                Err(err) if err.is_unavailable() => Err(StoreError::Unavailable(err.to_string())),
                Err(err) => Err(StoreError::Other(format!("storing a group of rotations: {err}"))),
            };
            let _ = job.done.send(answer);
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
            dpop_jkt: None,
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
