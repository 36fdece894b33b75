use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "refresh_tokens")]
pub struct Model {
    /// Hex SHA-256 of the token; the token itself is never stored.
    #[sea_orm(primary_key, auto_increment = false)]
    pub token_hash: String,
    /// Every token rotated from one grant shares a family; reuse revokes the family.
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub scope: String,
    pub auth_time: i64,
    /// `jti` of the access token issued together with this refresh token.
    pub access_jti: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// When the token was rotated, for tokens rotated before successors named their
    /// parent; a token rotated since has a successor instead, and this stays unset.
    pub used_at: Option<i64>,
    pub revoked_at: Option<i64>,
    /// The token this one replaced in a rotation; unique, so a token has one successor.
    pub parent_hash: Option<String>,
    /// The JWK thumbprint (RFC 7638) of the DPoP key a public client's token is bound
    /// to (RFC 9449 §5): it is rotated only with a proof of that key.
    pub dpop_jkt: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::auth_sessions::Entity",
        from = "Column::SessionId",
        to = "super::auth_sessions::Column::Id"
    )]
    Session,
    #[sea_orm(belongs_to = "super::users::Entity", from = "Column::UserId", to = "super::users::Column::Id")]
    User,
}

impl Related<super::auth_sessions::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Session.def()
    }
}

impl Related<super::users::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::User.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
