use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A user's TOTP secret, sealed (AES-256-GCM) and bound to the user id.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "totp_credentials")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: String,
    pub sealed_secret: Vec<u8>,
    pub created_at: i64,
    /// Unset while enrolment waits for its first code.
    pub confirmed_at: Option<i64>,
    pub last_step: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
