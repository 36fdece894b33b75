use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "clients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    /// Hex SHA-256 of the secret; `None` for a public client.
    pub secret_hash: Option<String>,
    pub name: String,
    /// JSON array of exact redirect URIs.
    pub redirect_uris: String,
    /// JSON array of exact post-logout redirect URIs.
    pub post_logout_redirect_uris: String,
    /// JSON array of grant type names.
    pub grant_types: String,
    pub skip_consent: bool,
    pub backchannel_logout_uri: Option<String>,
    pub id_token_signed_response_alg: Option<String>,
    /// A resource server: may introspect every client's access tokens, not only its own.
    pub introspection: bool,
    /// Its authorization requests must be pushed first (RFC 9126).
    pub require_pushed_authorization_requests: bool,
    /// Its token requests must carry a DPoP proof (RFC 9449 §5.2).
    pub dpop_bound_access_tokens: bool,
    /// JSON array of the resource identifiers it may ask tokens for; `None`: every
    /// declared resource.
    pub resources: Option<String>,
    /// Of a client registered at `/register`: the SHA-256 digest of the registration
    /// access token it is read, updated and deleted with (RFC 7592).
    pub registration_token_hash: Option<String>,
    /// `config` when declared in the configuration file, `cli` when added by command or
    /// on the admin pages, `registered` when registered at `/register`.
    pub source: String,
    pub created_at: i64,
    /// When an administrator disabled it; none: it may be used.
    pub disabled_at: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
