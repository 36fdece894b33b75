use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An alert for one target (`webhook <url>` or `email <address>`), waiting in the
/// outbox until it is sent or given up.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub target: String,
    /// What happened, e.g. `backup.failed`.
    pub event: String,
    pub text: String,
    pub created_at: i64,
    pub attempts: i64,
    /// Not to be tried before this time; a sender's claim moves it ahead.
    pub next_at: i64,
    pub sent_at: Option<i64>,
    pub given_up_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
