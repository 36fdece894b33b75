use sea_orm::entity::prelude::*;
use serde::{Deserialize, Serialize};

/// A DPoP proof seen (RFC 9449 §11.1), kept while its `iat` could still be accepted,
/// so the same proof is refused when it comes again; `id` is the digest of its key's
/// thumbprint and its `jti`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel, Serialize, Deserialize)]
#[sea_orm(table_name = "dpop_proofs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub expires_at: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
