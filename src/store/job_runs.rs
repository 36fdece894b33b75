//! Claims of scheduled jobs: several replicas wake for the same tick, and the one whose
//! claim is stored first runs it. A claim is a row, not a lock held for the run, so a
//! run that ends early cannot let another replica run the same tick again, and it works
//! alike on SQLite, on PostgreSQL and through a transaction-pooling PgBouncer.

use entity::job_runs::{self, Entity as JobRuns};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::{StoreError, insert_if_absent, now};

/// How long claims are kept: longer than any schedule's period.
const KEEP_SECS: i64 = 90 * 86_400;

/// Claims `job` for `tick`; true for the one caller that runs it.
#[tracing::instrument(level = "debug", skip_all, fields(job, tick))]
pub async fn claim(db: &impl ConnectionTrait, job: &str, tick: i64) -> Result<bool, StoreError> {
    let row = job_runs::ActiveModel { job: Set(job.to_owned()), tick: Set(tick), claimed_at: Set(now()) };
    insert_if_absent(db, row).await
}

/// Deletes claims past keeping; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn prune(db: &impl ConnectionTrait) -> Result<u64, StoreError> {
    let old = job_runs::Column::ClaimedAt.lte(now() - KEEP_SECS);
    Ok(JobRuns::delete_many().filter(old).exec(db).await?.rows_affected)
}
