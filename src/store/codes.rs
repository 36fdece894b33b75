//! Authorization codes: stored as digests, single use (RFC 6749 §4.1.2).

use entity::authorization_codes::{self, Entity as Codes};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::Expr};

use super::{StoreError, now};
use crate::security::opaque::{digest, new_secret};

pub struct NewCode {
    pub client_id: String,
    pub user_id: String,
    pub session_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub resource: Option<String>,
    pub dpop_jkt: Option<String>,
    pub auth_time: i64,
    pub ttl_secs: i64,
}

/// Stores a new code and returns it; only its digest is kept.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create(db: &impl ConnectionTrait, new: NewCode) -> Result<String, StoreError> {
    let code = new_secret();
    let at = now();
    let row = authorization_codes::ActiveModel {
        code_hash: Set(digest(&code)),
        client_id: Set(new.client_id),
        user_id: Set(new.user_id),
        session_id: Set(new.session_id),
        redirect_uri: Set(new.redirect_uri),
        scope: Set(new.scope),
        nonce: Set(new.nonce),
        code_challenge: Set(new.code_challenge),
        resource: Set(new.resource),
        dpop_jkt: Set(new.dpop_jkt),
        auth_time: Set(new.auth_time),
        created_at: Set(at),
        expires_at: Set(at + new.ttl_secs),
        used_at: Set(None),
        family_id: Set(None),
    };
    Codes::insert(row).exec_without_returning(db).await?;
    Ok(code)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<authorization_codes::Model>, StoreError> {
    Ok(Codes::find_by_id(digest(code)).one(db).await?)
}

/// Marks the code used, recording the refresh family it was exchanged for.
/// Returns false when another request used it first: only one exchange can win.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn consume(db: &impl ConnectionTrait, code_hash: &str, family_id: &str) -> Result<bool, StoreError> {
    let result = Codes::update_many()
        .col_expr(authorization_codes::Column::UsedAt, Expr::value(now()))
        .col_expr(authorization_codes::Column::FamilyId, Expr::value(family_id))
        .filter(authorization_codes::Column::CodeHash.eq(code_hash))
        .filter(authorization_codes::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Clients that received a code under a session: the ones to notify when it ends.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn clients_of_session(db: &impl ConnectionTrait, session_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(Codes::find()
        .select_only()
        .column(authorization_codes::Column::ClientId)
        .distinct()
        .filter(authorization_codes::Column::SessionId.eq(session_id))
        .into_tuple::<String>()
        .all(db)
        .await?)
}
