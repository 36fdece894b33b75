//! The outbox of alerts. An event is written once per target; each row is claimed by
//! one sender at a time (its `next_at` moved ahead), sent, and marked sent, or tried
//! again later, so a restart neither loses nor repeats an alert.

use entity::notifications::{self, Entity as Notifications};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{StoreError, now};
use crate::{
    config::{NotifyConfig, NotifyTarget},
    security::opaque::new_ordered_id,
};

/// How long a claimed delivery is left to its sender before another may try it.
const CLAIM_SECS: i64 = 60;
/// Delivered and given-up alerts are kept this long.
const KEEP_SECS: i64 = 30 * 86_400;

/// Writes `event` for every target of `config`; a failure is logged, as an alert never
/// fails what it reports on.
pub async fn raise(db: &impl ConnectionTrait, config: &NotifyConfig, event: &str, text: &str) {
    let targets: Vec<String> = config.targets.iter().map(NotifyTarget::key).collect();
    if let Err(err) = enqueue(db, &targets, event, text).await {
        tracing::error!(error = %err, event, "alert not written to the outbox");
    }
}

/// Writes `event` for every one of `targets`.
#[tracing::instrument(level = "debug", skip_all, fields(event))]
pub async fn enqueue(db: &impl ConnectionTrait, targets: &[String], event: &str, text: &str) -> Result<(), StoreError> {
    let at = now();
    let rows = targets.iter().map(|target| notifications::ActiveModel {
        id: Set(new_ordered_id()),
        target: Set(target.clone()),
        event: Set(event.to_owned()),
        text: Set(text.to_owned()),
        created_at: Set(at),
        attempts: Set(0),
        next_at: Set(at),
        sent_at: Set(None),
        given_up_at: Set(None),
    });
    if !targets.is_empty() {
        Notifications::insert_many(rows).exec_without_returning(db).await?;
    }
    Ok(())
}

fn pending() -> Condition {
    Condition::all().add(notifications::Column::SentAt.is_null()).add(notifications::Column::GivenUpAt.is_null())
}

/// Up to `limit` deliveries due now, oldest first.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn due(db: &impl ConnectionTrait, limit: u64) -> Result<Vec<notifications::Model>, StoreError> {
    Ok(Notifications::find()
        .filter(pending().add(notifications::Column::NextAt.lte(now())))
        .order_by_asc(notifications::Column::Id)
        .limit(limit)
        .all(db)
        .await?)
}

/// Claims the due delivery `id` for this sender; false when another has it.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn claim(db: &impl ConnectionTrait, row: &notifications::Model) -> Result<bool, StoreError> {
    let claimed = Notifications::update_many()
        .col_expr(notifications::Column::NextAt, Expr::value(now() + CLAIM_SECS))
        .filter(pending().add(notifications::Column::Id.eq(row.id.as_str())))
        .filter(notifications::Column::NextAt.eq(row.next_at))
        .exec(db)
        .await?;
    Ok(claimed.rows_affected == 1)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn sent(db: &impl ConnectionTrait, id: &str) -> Result<(), StoreError> {
    Notifications::update_many()
        .col_expr(notifications::Column::SentAt, Expr::value(now()))
        .filter(notifications::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Records a failed attempt: tried again at `retry_at`, or given up when `None`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn failed(db: &impl ConnectionTrait, id: &str, retry_at: Option<i64>) -> Result<(), StoreError> {
    let update = Notifications::update_many()
        .col_expr(notifications::Column::Attempts, Expr::col(notifications::Column::Attempts).add(1));
    let update = match retry_at {
        Some(at) => update.col_expr(notifications::Column::NextAt, Expr::value(at)),
        None => update.col_expr(notifications::Column::GivenUpAt, Expr::value(now())),
    };
    update.filter(notifications::Column::Id.eq(id)).exec(db).await?;
    Ok(())
}

/// Deletes alerts delivered or given up long ago; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let done = Condition::any()
        .add(notifications::Column::SentAt.lte(now() - KEEP_SECS))
        .add(notifications::Column::GivenUpAt.lte(now() - KEEP_SECS));
    Ok(Notifications::delete_many().filter(done).exec(db).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::{claim, due, enqueue, failed, sent};
    use crate::store::db;

    #[tokio::test]
    async fn a_due_alert_is_claimed_by_one_sender_and_retried_or_done_as_told() {
        let db = db::in_memory().await;
        enqueue(&db, &["webhook https://hooks.example/x".into()], "backup.failed", "text").await.expect("enqueue");
        let row = due(&db, 10).await.expect("due").pop().expect("one due");
        let stale_copy = row.clone();
        assert!(claim(&db, &row).await.expect("claim"), "the first sender has it");
        assert!(!claim(&db, &stale_copy).await.expect("claim"), "a second sender with the same row does not");
        assert!(due(&db, 10).await.expect("due").is_empty(), "claimed: not due for anyone");

        failed(&db, &row.id, Some(0)).await.expect("retry");
        let again = due(&db, 10).await.expect("due").pop().expect("due again");
        assert_eq!(again.attempts, 1);
        sent(&db, &again.id).await.expect("sent");
        assert!(due(&db, 10).await.expect("due").is_empty(), "sent: never again");
    }
}
