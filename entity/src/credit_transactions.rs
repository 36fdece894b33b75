use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// One movement of credits; its entries sum to zero.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "credit_transactions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: Option<String>,
    pub kind: String,
    pub amount: i64,
    pub from_free: i64,
    pub from_paid: i64,
    pub balance_after: i64,
    pub app_id: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<String>,
    pub reference: Option<String>,
    pub created_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
