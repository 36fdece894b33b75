//! Issuing a user's token set: access token, id_token (scope `openid`) and a refresh
//! token of the grant's family, the same for the OIDC grants and the native API.

use entity::users;
use sea_orm::ConnectionTrait;

use super::{
    TokenError,
    mint::{UserContext, access_token, id_token},
    scope::Scope,
};
use crate::{
    config::{Config, ResourceConfig},
    keys::KeySet,
    store::{
        StoreError,
        clients::Client,
        db::Db,
        refresh::{self, NewRefresh, Refused, Successor},
    },
};

/// A freshly issued token set.
pub struct IssuedTokens {
    pub access_token: String,
    pub expires_in: i64,
    pub refresh_token: Option<String>,
    pub id_token: Option<String>,
    pub scope: String,
}

/// What a user grant carries into a token response.
pub struct UserGrant<'a> {
    pub client: &'a Client,
    pub user: &'a users::Model,
    /// The scope of the grant, kept by the refresh token.
    pub granted: &'a Scope,
    /// The scope of this access token: the grant's or a narrower one.
    pub scope: &'a Scope,
    pub sid: &'a str,
    pub auth_time: i64,
    /// The session's RFC 8176 methods, space-separated.
    pub amr: &'a str,
    pub nonce: Option<&'a str>,
    pub family_id: &'a str,
    /// The resource server the access token is for (RFC 8707); it then carries only the
    /// scopes that resource accepts.
    pub resource: Option<&'a ResourceConfig>,
    /// The thumbprint of the DPoP key the token request proved (RFC 9449): the access
    /// token is bound to it, and so is a public client's refresh token.
    pub dpop_jkt: Option<&'a str>,
}

/// A token set signed but not yet stored: `store` writes its refresh token. Signing
/// comes first so that a write transaction never waits on a signature.
pub struct MintedTokens {
    tokens: IssuedTokens,
    refresh: Option<NewRefresh>,
}

impl MintedTokens {
    /// Writes the refresh token, if the set has one, through `db`.
    pub async fn store(self, db: &impl ConnectionTrait) -> Result<IssuedTokens, StoreError> {
        let mut tokens = self.tokens;
        if let Some(new) = self.refresh {
            tokens.refresh_token = Some(refresh::create(db, new).await?);
        }
        Ok(tokens)
    }

    /// Writes the refresh token as the successor of the token `parent`: a rotation.
    /// A set without a refresh token (a client that may not refresh) rotates to nothing
    /// and is refused like a revoked parent.
    /// On an SQLite file the successor is stored with the rotations queued beside it
    /// (see `successors`).
    pub async fn store_successor(self, db: &Db, parent: &str) -> Result<Result<IssuedTokens, Refused>, StoreError> {
        let mut tokens = self.tokens;
        let Some(new) = self.refresh else { return Ok(Err(Refused::ParentRevoked)) };
        let created = refresh::create_successor(db, db.successor_writes(), parent, new).await?;
        Ok(created.map(|token| {
            tokens.refresh_token = Some(token);
            tokens
        }))
    }
}

/// Signs the access token and the id_token (scope `openid`), and prepares a refresh
/// token of the grant's family when the client may refresh.
pub fn mint_user_tokens(config: &Config, keys: &KeySet, grant: UserGrant<'_>) -> Result<MintedTokens, TokenError> {
    mint(config, keys, grant, None)
}

/// The token set of a rotation asked again (see `rotate`): the refresh token is the
/// `successor` stored the first time; the access token and id_token are signed anew
/// under the access token id stored with it, so revoking the family reaches them too.
pub fn remint_user_tokens(
    config: &Config,
    keys: &KeySet,
    grant: UserGrant<'_>,
    successor: Successor,
) -> Result<IssuedTokens, TokenError> {
    let minted = mint(config, keys, grant, Some(&successor.row.access_jti))?;
    Ok(IssuedTokens { refresh_token: Some(successor.token), ..minted.tokens })
}

fn mint(config: &Config, keys: &KeySet, grant: UserGrant<'_>, jti: Option<&str>) -> Result<MintedTokens, TokenError> {
    let context = UserContext {
        user: grant.user,
        sid: grant.sid,
        auth_time: grant.auth_time,
        amr: grant.amr,
        nonce: grant.nonce,
        jti,
    };
    let access_scope = match grant.resource {
        Some(resource) => grant.scope.restricted_to(&resource.scopes),
        None => grant.scope.clone(),
    };
    let audience = grant.resource.map(|r| r.identifier.as_str());
    let access = access_token(config, keys, grant.client, &access_scope, Some(&context), audience, grant.dpop_jkt)?;
    let id_token = if grant.scope.contains("openid") {
        Some(id_token(config, keys, grant.client, grant.scope, &context, &access.token)?)
    } else {
        None
    };
    let refresh = grant.client.allows_grant("refresh_token").then(|| NewRefresh {
        family_id: grant.family_id.to_owned(),
        client_id: grant.client.id.clone(),
        user_id: grant.user.id.clone(),
        session_id: Some(grant.sid.to_owned()),
        scope: grant.granted.to_string(),
        auth_time: grant.auth_time,
        access_jti: access.jti,
        ttl_secs: config.tokens.refresh_token_ttl_secs,
        // A confidential client proves itself at every refresh; a public one by its key.
        dpop_jkt: grant.dpop_jkt.filter(|_| grant.client.is_public()).map(str::to_owned),
    });
    let tokens = IssuedTokens {
        access_token: access.token,
        expires_in: config.tokens.access_token_ttl_secs,
        refresh_token: None,
        id_token,
        scope: access_scope.to_string(),
    };
    Ok(MintedTokens { tokens, refresh })
}

/// Mints a token set and stores its refresh token through `db`.
pub async fn issue_user_tokens(
    config: &Config,
    keys: &KeySet,
    db: &impl ConnectionTrait,
    grant: UserGrant<'_>,
) -> Result<IssuedTokens, TokenError> {
    Ok(mint_user_tokens(config, keys, grant)?.store(db).await?)
}
