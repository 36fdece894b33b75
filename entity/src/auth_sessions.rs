use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A signed-in session of one user: its id is the `sid` claim of every token issued under it.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "auth_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    pub auth_time: i64,
    pub created_at: i64,
    pub last_used_at: i64,
    pub expires_at: i64,
    pub revoked_at: Option<i64>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    /// How the user authenticated, space-separated RFC 8176 values: `pwd` or `pwd otp`.
    pub amr: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
