use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A device's authorization request (RFC 8628); `id` is the SHA-256 digest of its
/// device code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "device_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// The code a person types, stored without its dash.
    #[sea_orm(unique)]
    pub user_code: String,
    pub client_id: String,
    pub scope: String,
    /// `pending`, `approved`, `denied` or `used`.
    pub status: String,
    /// How long the device must wait between polls; grows when it polls too fast.
    pub interval_secs: i64,
    pub last_polled_at: Option<i64>,
    /// Who approved or denied it, and the sign-in session that did.
    pub user_id: Option<String>,
    pub session_id: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
