use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A sign-in provider added on the admin pages: an `[[upstreams]]` entry kept here.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "upstreams")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub name: String,
    /// `oidc`, `github` or `google`.
    pub kind: String,
    pub issuer: Option<String>,
    pub api_url: Option<String>,
    pub client_id: String,
    /// Sealed with the secrets key, bound to the id.
    pub client_secret: Vec<u8>,
    /// Space-separated; `None` for the kind's defaults.
    pub scopes: Option<String>,
    pub claim_username: String,
    pub claim_name: String,
    pub claim_email: String,
    pub auto_create: bool,
    pub link_by_verified_email: bool,
    pub trust_mfa: bool,
    pub store_tokens: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
