use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A pushed authorization request (RFC 9126), redeemed once at `/authorize`; `id` is the
/// SHA-256 digest of the secret part of its `request_uri`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "pushed_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub client_id: String,
    /// The checked request, as JSON.
    pub request: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
