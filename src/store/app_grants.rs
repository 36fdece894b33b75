//! What a user has let applications keep: the clients holding live refresh tokens of
//! the user, and taking that back from one client.

use entity::refresh_tokens::{self, Entity as RefreshTokens};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::ExprTrait};

use super::{StoreError, now, refresh::revoke_where};

/// The clients holding a live refresh token of the user.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn holders(db: &impl ConnectionTrait, user_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(RefreshTokens::find()
        .select_only()
        .column(refresh_tokens::Column::ClientId)
        .distinct()
        .filter(refresh_tokens::Column::UserId.eq(user_id))
        .filter(refresh_tokens::Column::RevokedAt.is_null())
        .filter(refresh_tokens::Column::ExpiresAt.gt(now()))
        .order_by_asc(refresh_tokens::Column::ClientId)
        .into_tuple()
        .all(db)
        .await?)
}

/// Revokes every refresh token the client holds for the user; returns how many.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(db: &impl ConnectionTrait, user_id: &str, client_id: &str) -> Result<u64, StoreError> {
    let of_client = refresh_tokens::Column::UserId.eq(user_id).and(refresh_tokens::Column::ClientId.eq(client_id));
    revoke_where(db, of_client).await
}
