//! Registered clients: declared in config (synchronised at start), added by command or
//! on the admin pages, or registered at `/register`.

use entity::clients::{self, Entity as Clients};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    sea_query::Expr,
};

use super::{StoreError, now};
use crate::config::{ClientConfig, SigningAlg};
use crate::security::opaque::digest;

/// A client as the protocol code sees it, with its lists parsed.
#[derive(Clone, Debug)]
pub struct Client {
    pub id: String,
    pub secret_hash: Option<String>,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub post_logout_redirect_uris: Vec<String>,
    pub grant_types: Vec<String>,
    pub skip_consent: bool,
    pub backchannel_logout_uri: Option<String>,
    pub id_token_signed_response_alg: Option<SigningAlg>,
    /// May introspect every client's access tokens; others introspect only their own.
    pub introspection: bool,
    /// Its authorization requests must be pushed first (RFC 9126).
    pub require_pushed_authorization_requests: bool,
    /// Its token requests must carry a DPoP proof (RFC 9449 §5.2).
    pub dpop_bound_access_tokens: bool,
    /// The resource identifiers it may ask tokens for; `None`: every declared resource.
    pub resources: Option<Vec<String>>,
    /// Of a registered client: the digest of its registration access token.
    pub registration_token_hash: Option<String>,
    pub source: String,
    /// Disabled on the admin pages: unknown to every endpoint until enabled again.
    pub disabled: bool,
}

impl Client {
    pub fn is_public(&self) -> bool {
        self.secret_hash.is_none()
    }

    /// Whether it may ask tokens for the declared resource `identifier`.
    pub fn may_use_resource(&self, identifier: &str) -> bool {
        self.resources.as_ref().is_none_or(|allowed| allowed.iter().any(|r| r == identifier))
    }

    pub fn allows_grant(&self, grant: &str) -> bool {
        self.grant_types.iter().any(|g| g == grant)
    }

    /// Builds a client from a config block or the `client add` arguments; the secret is digested here.
    pub fn from_config(config: &ClientConfig, source: &str) -> Client {
        Client {
            id: config.id.clone(),
            secret_hash: config.secret.as_ref().map(|s| digest(s.expose())),
            name: config.name.clone().unwrap_or_else(|| config.id.clone()),
            redirect_uris: config.redirect_uris.clone(),
            post_logout_redirect_uris: config.post_logout_redirect_uris.clone(),
            grant_types: config.grant_types.clone(),
            skip_consent: config.skip_consent,
            backchannel_logout_uri: config.backchannel_logout_uri.clone(),
            id_token_signed_response_alg: config.id_token_signed_response_alg,
            introspection: config.introspection,
            require_pushed_authorization_requests: config.require_pushed_authorization_requests,
            dpop_bound_access_tokens: config.dpop_bound_access_tokens,
            resources: config.resources.clone(),
            registration_token_hash: None,
            source: source.into(),
            disabled: false,
        }
    }

    fn from_model(model: clients::Model) -> Result<Client, StoreError> {
        let list = |text: &str| {
            serde_json::from_str::<Vec<String>>(text)
                .map_err(|e| StoreError::Corrupt(format!("client {}: {e}", model.id)))
        };
        Ok(Client {
            redirect_uris: list(&model.redirect_uris)?,
            post_logout_redirect_uris: list(&model.post_logout_redirect_uris)?,
            grant_types: list(&model.grant_types)?,
            resources: model.resources.as_deref().map(list).transpose()?,
            id_token_signed_response_alg: model.id_token_signed_response_alg.as_deref().and_then(SigningAlg::parse),
            id: model.id,
            secret_hash: model.secret_hash,
            name: model.name,
            skip_consent: model.skip_consent,
            backchannel_logout_uri: model.backchannel_logout_uri,
            introspection: model.introspection,
            require_pushed_authorization_requests: model.require_pushed_authorization_requests,
            dpop_bound_access_tokens: model.dpop_bound_access_tokens,
            registration_token_hash: model.registration_token_hash,
            source: model.source,
            disabled: model.disabled_at.is_some(),
        })
    }

    fn to_active(&self) -> clients::ActiveModel {
        let json = |list: &Vec<String>| serde_json::Value::from(list.clone()).to_string();
        clients::ActiveModel {
            id: Set(self.id.clone()),
            secret_hash: Set(self.secret_hash.clone()),
            name: Set(self.name.clone()),
            redirect_uris: Set(json(&self.redirect_uris)),
            post_logout_redirect_uris: Set(json(&self.post_logout_redirect_uris)),
            grant_types: Set(json(&self.grant_types)),
            skip_consent: Set(self.skip_consent),
            backchannel_logout_uri: Set(self.backchannel_logout_uri.clone()),
            id_token_signed_response_alg: Set(self.id_token_signed_response_alg.map(|a| a.as_str().to_owned())),
            introspection: Set(self.introspection),
            require_pushed_authorization_requests: Set(self.require_pushed_authorization_requests),
            dpop_bound_access_tokens: Set(self.dpop_bound_access_tokens),
            resources: Set(self.resources.as_ref().map(json)),
            registration_token_hash: Set(self.registration_token_hash.clone()),
            source: Set(self.source.clone()),
            created_at: Set(now()),
            disabled_at: Set(None),
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<Client>, StoreError> {
    Clients::find_by_id(id.to_owned()).one(db).await?.map(Client::from_model).transpose()
}

/// When client `id` was stored.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn created_at(db: &impl ConnectionTrait, id: &str) -> Result<Option<i64>, StoreError> {
    Ok(Clients::find_by_id(id.to_owned()).one(db).await?.map(|row| row.created_at))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<Client>, StoreError> {
    Clients::find().order_by_asc(clients::Column::Id).all(db).await?.into_iter().map(Client::from_model).collect()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn insert(db: &impl ConnectionTrait, client: &Client) -> Result<(), StoreError> {
    Clients::insert(client.to_active()).exec_without_returning(db).await?;
    Ok(())
}

/// Replaces the metadata of a client whose source is one of `sources`, keeping its
/// secret, its registration access token, its source, when it was created and whether
/// it is disabled; false when there is no such client.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn replace(db: &impl ConnectionTrait, client: &Client, sources: &[&str]) -> Result<bool, StoreError> {
    let mut row = client.to_active();
    row.secret_hash = NotSet;
    row.registration_token_hash = NotSet;
    row.source = NotSet;
    row.created_at = NotSet;
    row.disabled_at = NotSet;
    let updated = Clients::update_many()
        .set(row)
        .filter(clients::Column::Id.eq(client.id.as_str()))
        .filter(clients::Column::Source.is_in(sources.iter().copied()))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Sets the secret of a confidential client not declared in the configuration, by its
/// digest; false when there is no such client.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_secret(db: &impl ConnectionTrait, id: &str, secret: &str) -> Result<bool, StoreError> {
    let updated = Clients::update_many()
        .col_expr(clients::Column::SecretHash, Expr::value(digest(secret)))
        .filter(clients::Column::Id.eq(id))
        .filter(clients::Column::Source.ne(CONFIG))
        .filter(clients::Column::SecretHash.is_not_null())
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// Disables (`Some(when)`) or enables (`None`) a client not declared in the
/// configuration; false when that changed nothing.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn set_disabled(db: &impl ConnectionTrait, id: &str, at: Option<i64>) -> Result<bool, StoreError> {
    let state = match at {
        Some(_) => clients::Column::DisabledAt.is_null(),
        None => clients::Column::DisabledAt.is_not_null(),
    };
    let updated = Clients::update_many()
        .col_expr(clients::Column::DisabledAt, Expr::value(at))
        .filter(clients::Column::Id.eq(id))
        .filter(clients::Column::Source.ne(CONFIG))
        .filter(state)
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

/// The `source` of clients declared in the configuration file.
pub const CONFIG: &str = "config";

/// The `source` of clients registered at `/register`.
pub const REGISTERED: &str = "registered";

/// Removes a client added by command or on the admin pages, or registered;
/// config-declared clients are removed from the config file.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(db: &impl ConnectionTrait, id: &str) -> Result<bool, StoreError> {
    let result = Clients::delete_many()
        .filter(clients::Column::Id.eq(id))
        .filter(clients::Column::Source.ne(CONFIG))
        .exec(db)
        .await?;
    Ok(result.rows_affected > 0)
}

/// Makes the config-declared clients in the database exactly those of `declared`.
/// A config client may not take the id of one added by command. Runs inside the
/// caller's transaction, so that a refused client changes nothing.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sync_config(txn: &impl ConnectionTrait, declared: &[ClientConfig]) -> Result<(), StoreError> {
    Clients::delete_many().filter(clients::Column::Source.eq(CONFIG)).exec(txn).await?;
    for config in declared {
        insert(txn, &Client::from_config(config, CONFIG)).await.map_err(|e| match e {
            StoreError::Conflict(_) => {
                StoreError::Conflict(format!("client `{}` was added by command; remove one of them", config.id))
            }
            other => other,
        })?;
    }
    Ok(())
}
