use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A sign-in on its way through an upstream provider, from the redirect there to the
/// callback here, keyed by the digest of its `state` and redeemed once.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "upstream_logins")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub upstream_id: String,
    /// The signed-in account that links the identity; unset for a sign-in.
    pub user_id: Option<String>,
    pub nonce: String,
    /// The PKCE verifier (RFC 7636) the code is redeemed with.
    pub code_verifier: String,
    /// The authorization request (`req`) to continue afterwards; empty for none.
    pub request_id: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
