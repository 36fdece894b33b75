use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A scheduled job's run for one tick (a backup's scheduled time, an hour of clean-up,
/// a key generation), claimed by the one process that runs it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub job: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub tick: i64,
    pub claimed_at: i64,
    /// When the run ended well; `None` while it runs, or when it failed.
    pub finished_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
