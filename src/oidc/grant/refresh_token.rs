//! `refresh_token` grant (RFC 6749 §6): rotation on every use; a used token presented
//! again revokes its whole family (RFC 9700 §4.14.2).

use sea_orm::TransactionTrait;

use crate::{
    oidc::{
        error::OAuthError,
        token::{TokenForm, TokenResponse},
    },
    state::AppState,
    store::{StoreError, auth_sessions, clients::Client, now, refresh, users},
    tokens::{
        issue::{UserGrant, issue_user_tokens},
        scope::Scope,
    },
};

pub async fn exchange(state: &AppState, client: &Client, form: &TokenForm) -> Result<TokenResponse, OAuthError> {
    if !client.allows_grant("refresh_token") {
        return Err(OAuthError::unauthorized_client("this client may not use refresh_token"));
    }
    let presented =
        form.refresh_token.as_deref().ok_or_else(|| OAuthError::invalid_request("refresh_token is missing"))?;
    let invalid = || OAuthError::invalid_grant("the refresh token is invalid, expired or revoked");
    let row = refresh::find(&state.db, presented).await?.ok_or_else(invalid)?;
    if row.client_id != client.id || row.revoked_at.is_some() {
        return Err(invalid());
    }
    if row.used_at.is_some() {
        return Err(reuse_detected(state, &row.family_id).await);
    }
    if row.expires_at <= now() {
        return Err(invalid());
    }
    let sid = row.session_id.as_deref().ok_or_else(invalid)?;
    let session = auth_sessions::find_active(&state.db, sid).await?.ok_or_else(invalid)?;
    let user = users::find(&state.db, &row.user_id).await?.ok_or_else(invalid)?;
    let granted = Scope::parse(&row.scope).map_err(OAuthError::server_error)?;
    let scope = match form.scope.as_deref() {
        Some(raw) => {
            let narrower = Scope::parse(raw).map_err(OAuthError::invalid_scope)?;
            if !narrower.within(&granted) {
                return Err(OAuthError::invalid_scope("scope exceeds the original grant"));
            }
            narrower
        }
        None => granted.clone(),
    };
    let txn = state.db.begin().await.map_err(StoreError::from)?;
    if !refresh::consume(&txn, &row.token_hash).await? {
        drop(txn);
        return Err(reuse_detected(state, &row.family_id).await);
    }
    let grant = UserGrant {
        client,
        user: &user,
        granted: &granted,
        scope: &scope,
        sid: &session.id,
        auth_time: row.auth_time,
        nonce: None,
        family_id: &row.family_id,
    };
    let issued = issue_user_tokens(&state.config, &state.keys, &txn, grant).await?;
    txn.commit().await.map_err(StoreError::from)?;
    Ok(issued.into())
}

async fn reuse_detected(state: &AppState, family_id: &str) -> OAuthError {
    match refresh::revoke_family(&state.db, family_id).await {
        Ok(revoked) => {
            tracing::warn!(revoked, "refresh token reused; revoked its family");
            OAuthError::invalid_grant("the refresh token is invalid, expired or revoked")
        }
        Err(err) => err.into(),
    }
}
