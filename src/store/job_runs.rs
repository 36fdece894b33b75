//! Claims of scheduled jobs: several replicas wake for the same tick, and the one whose
//! claim is stored first runs it. A claim is a row, not a lock held for the run, so a
//! run that ends early cannot let another replica run the same tick again, and it works
//! alike on SQLite, on PostgreSQL and through a transaction-pooling PgBouncer.

use entity::job_runs::{self, Entity as JobRuns};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};

use super::{StoreError, insert_if_absent, now};

/// How long claims are kept: longer than any schedule's period.
const KEEP_SECS: i64 = 90 * 86_400;

/// Claims `job` for `tick`; true for the one caller that runs it.
#[tracing::instrument(level = "debug", skip_all, fields(job, tick))]
pub async fn claim(db: &impl ConnectionTrait, job: &str, tick: i64) -> Result<bool, StoreError> {
    let row = job_runs::ActiveModel {
        job: Set(job.to_owned()),
        tick: Set(tick),
        claimed_at: Set(now()),
        finished_at: Set(None),
    };
    insert_if_absent(db, row).await
}

/// Records that the claimed run of `job` for `tick` ended well.
#[tracing::instrument(level = "debug", skip_all, fields(job, tick))]
pub async fn finished(db: &impl ConnectionTrait, job: &str, tick: i64) -> Result<(), StoreError> {
    JobRuns::update_many()
        .col_expr(job_runs::Column::FinishedAt, Expr::value(now()))
        .filter(job_runs::Column::Job.eq(job))
        .filter(job_runs::Column::Tick.eq(tick))
        .exec(db)
        .await?;
    Ok(())
}

/// Since when `job` has had no success: its newest run that ended well, or else its
/// oldest claim; `None` when it never ran.
#[tracing::instrument(level = "debug", skip_all, fields(job))]
pub async fn succeeded_since(db: &impl ConnectionTrait, job: &str) -> Result<Option<i64>, StoreError> {
    if let Some(at) = last_success(db, job).await? {
        return Ok(Some(at));
    }
    let first_claim: Option<Option<i64>> = JobRuns::find()
        .select_only()
        .column_as(job_runs::Column::ClaimedAt.min(), "at")
        .filter(job_runs::Column::Job.eq(job))
        .into_tuple()
        .one(db)
        .await?;
    Ok(first_claim.flatten())
}

/// When a run of `job`, by any process, last ended well; `None` when none did.
#[tracing::instrument(level = "debug", skip_all, fields(job))]
pub async fn last_success(db: &impl ConnectionTrait, job: &str) -> Result<Option<i64>, StoreError> {
    let newest: Option<Option<i64>> = JobRuns::find()
        .select_only()
        .column_as(job_runs::Column::FinishedAt.max(), "at")
        .filter(job_runs::Column::Job.eq(job))
        .into_tuple()
        .one(db)
        .await?;
    Ok(newest.flatten())
}

/// Deletes claims past keeping; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let old = job_runs::Column::ClaimedAt.lte(now() - KEEP_SECS);
    Ok(JobRuns::delete_many().filter(old).exec(db).await?.rows_affected)
}
