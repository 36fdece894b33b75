use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A registered passkey: its public key and state as the WebAuthn library keeps them
/// (`credential`, JSON), and what the account pages show.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "passkeys")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub user_id: String,
    /// The credential id, base64url without padding.
    #[sea_orm(unique)]
    pub credential_id: String,
    pub name: String,
    pub credential: String,
    pub sign_count: i64,
    /// Whether the passkey may be synced to other devices (a software-held key).
    pub backup_eligible: bool,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
