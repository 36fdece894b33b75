//! Refresh tokens: stored as digests, rotated on every use, revoked by family on reuse.

use entity::{
    auth_sessions::{self, Entity as AuthSessions},
    refresh_tokens::{self, Entity as RefreshTokens},
    users::{self, Entity as Users},
};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, sea_query::Expr};

use super::{StoreError, now};
use crate::security::opaque::{digest, new_secret};

pub struct NewRefresh {
    pub family_id: String,
    pub client_id: String,
    pub user_id: String,
    pub session_id: Option<String>,
    pub scope: String,
    pub auth_time: i64,
    pub access_jti: String,
    pub ttl_secs: i64,
}

/// Stores a new refresh token and returns it; only its digest is kept.
pub async fn create(db: &impl ConnectionTrait, new: NewRefresh) -> Result<String, StoreError> {
    let token = new_secret();
    let at = now();
    let row = refresh_tokens::ActiveModel {
        token_hash: Set(digest(&token)),
        family_id: Set(new.family_id),
        client_id: Set(new.client_id),
        user_id: Set(new.user_id),
        session_id: Set(new.session_id),
        scope: Set(new.scope),
        auth_time: Set(new.auth_time),
        access_jti: Set(new.access_jti),
        created_at: Set(at),
        expires_at: Set(at + new.ttl_secs),
        used_at: Set(None),
        revoked_at: Set(None),
    };
    RefreshTokens::insert(row).exec_without_returning(db).await?;
    Ok(token)
}

pub async fn find(db: &impl ConnectionTrait, token: &str) -> Result<Option<refresh_tokens::Model>, StoreError> {
    Ok(RefreshTokens::find_by_id(digest(token)).one(db).await?)
}

/// A refresh token with its session and its user, read in one query.
pub type WithGrant = (refresh_tokens::Model, Option<auth_sessions::Model>, Option<users::Model>);

pub async fn find_with_grant(db: &impl ConnectionTrait, token: &str) -> Result<Option<WithGrant>, StoreError> {
    Ok(RefreshTokens::find_by_id(digest(token))
        .find_also_related(AuthSessions)
        .find_also_related(Users)
        .one(db)
        .await?)
}

/// Marks a token used; false when a concurrent request used it first.
pub async fn consume(db: &impl ConnectionTrait, token_hash: &str) -> Result<bool, StoreError> {
    let result = RefreshTokens::update_many()
        .col_expr(refresh_tokens::Column::UsedAt, Expr::value(now()))
        .filter(refresh_tokens::Column::TokenHash.eq(token_hash))
        .filter(refresh_tokens::Column::UsedAt.is_null())
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

pub async fn revoke_family(db: &impl ConnectionTrait, family_id: &str) -> Result<u64, StoreError> {
    revoke_where(db, refresh_tokens::Column::FamilyId.eq(family_id)).await
}

pub async fn revoke_session(db: &impl ConnectionTrait, session_id: &str) -> Result<u64, StoreError> {
    revoke_where(db, refresh_tokens::Column::SessionId.eq(session_id)).await
}

pub async fn revoke_user(db: &impl ConnectionTrait, user_id: &str) -> Result<u64, StoreError> {
    revoke_where(db, refresh_tokens::Column::UserId.eq(user_id)).await
}

async fn revoke_where(db: &impl ConnectionTrait, condition: sea_orm::sea_query::SimpleExpr) -> Result<u64, StoreError> {
    let result = RefreshTokens::update_many()
        .col_expr(refresh_tokens::Column::RevokedAt, Expr::value(now()))
        .filter(condition)
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// The family of the refresh token issued together with access token `jti`, if any.
pub async fn family_of_access_token(
    db: &impl ConnectionTrait,
    jti: &str,
) -> Result<Option<refresh_tokens::Model>, StoreError> {
    Ok(RefreshTokens::find().filter(refresh_tokens::Column::AccessJti.eq(jti)).one(db).await?)
}
