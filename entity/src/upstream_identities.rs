use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// An account at another identity provider (an upstream), linked to one account here:
/// the upstream's issuer and its subject for the person.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "upstream_identities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    /// The `id` of the `[[upstreams]]` entry it came through.
    pub upstream_id: String,
    pub issuer: String,
    pub subject: String,
    /// What the upstream last said, to show on the account page.
    pub email: Option<String>,
    pub username: Option<String>,
    /// The upstream's access token, sealed and bound to this issuer and subject; only
    /// with `store_tokens`.
    pub tokens: Option<Vec<u8>>,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
