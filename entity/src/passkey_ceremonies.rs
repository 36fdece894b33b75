use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A WebAuthn ceremony between its options and its answer: the challenge and what the
/// library needs to check the answer (`state`, JSON), finished once before it expires.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "passkey_ceremonies")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// `registration`, `login`, `second_step` or `sign_up`.
    pub purpose: String,
    /// The account a registration or second step is for; none for a sign-in.
    pub user_id: Option<String>,
    pub state: String,
    pub expires_at: i64,
    pub used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
