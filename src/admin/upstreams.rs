//! Sign-in providers added, changed and deleted on the admin pages, each change in one
//! transaction with its `admin.upstream_*` event. Those of the configuration file are
//! changed there, never here. A provider's id (part of its redirect URI), kind and
//! issuer (which its identities are recorded under) stay as created.

use serde_json::json;

use super::clients::AdminError;
use crate::{
    config::{UpstreamConfig, validate_upstream},
    security::{
        audit::{Event, Kind},
        mfa::ENV,
        sealing::Sealer,
    },
    store::{self, StoreError, db::Db, now, upstream_identities, upstream_logins},
    upstream::{Upstreams, stored},
};

/// Where the change is made: the registry it is seen through, and the secrets key that
/// seals client secrets.
pub struct Registry<'a> {
    pub upstreams: &'a Upstreams,
    pub sealer: Option<&'a Sealer>,
}

impl Registry<'_> {
    fn sealer(&self) -> Result<&Sealer, AdminError> {
        self.sealer.ok_or_else(|| {
            AdminError::Invalid(format!(
                "client secrets are sealed with the secrets key: set {ENV} (or security.secrets_key) first"
            ))
        })
    }
}

fn checked(config: &UpstreamConfig) -> Result<(), AdminError> {
    validate_upstream(config).map_err(|(field, problem)| AdminError::Invalid(format!("{field} {problem}")))
}

pub async fn add(db: &Db, at: Registry<'_>, config: UpstreamConfig, admin_id: &str) -> Result<(), AdminError> {
    let sealer = at.sealer()?;
    checked(&config)?;
    let taken = || AdminError::Invalid(format!("a sign-in provider with id `{}` already exists", config.id));
    if at.upstreams.is_configured(&config.id) {
        return Err(taken());
    }
    let txn = db.begin().await?;
    store::upstreams::insert(&txn, stored::to_row(&config, sealer, now())).await.map_err(|e| match e {
        StoreError::Conflict(_) => taken(),
        other => other.into(),
    })?;
    let details = json!({ "admin": admin_id, "upstream": config.id });
    Event::new(Kind::AdminUpstreamCreated).details(details).write(&txn).await?;
    txn.commit().await?;
    at.upstreams.forget();
    Ok(())
}

/// Replaces the settings of the stored provider `config.id`; an empty client secret
/// keeps the one it has.
pub async fn update(db: &Db, at: Registry<'_>, mut config: UpstreamConfig, admin_id: &str) -> Result<(), AdminError> {
    let sealer = at.sealer()?;
    let row = store::upstreams::find(db, &config.id).await?.ok_or_else(|| no_such(&config.id))?;
    // Its settings, with its secret where that still opens.
    let shown = stored::settings(&row).map_err(AdminError::Invalid)?;
    let before = stored::from_row(&row, Some(sealer));
    if config.client_secret.expose().is_empty() {
        let kept = before.as_ref().map_err(|problem| AdminError::Invalid(format!("{problem}: enter it again")))?;
        config.client_secret = kept.client_secret.clone();
    }
    (config.kind, config.issuer) = (shown.kind, shown.issuer.clone());
    checked(&config)?;
    let changed = changed_keys(before.as_ref().unwrap_or(&shown), &config);
    let mut row_now = stored::to_row(&config, sealer, now());
    row_now.created_at = row.created_at;
    let txn = db.begin().await?;
    if !store::upstreams::replace(&txn, row_now).await? {
        return Err(no_such(&config.id));
    }
    let details = json!({ "admin": admin_id, "upstream": config.id, "changed": changed });
    Event::new(Kind::AdminUpstreamUpdated).details(details).write(&txn).await?;
    txn.commit().await?;
    at.upstreams.forget();
    Ok(())
}

/// Deletes the stored provider `id` with the identities linked through it (and its
/// sign-ins under way): an account that signed in only there gets in again by a
/// password reset. Returns how many identities were unlinked. Where the configuration
/// file has an upstream of the same id, the identities are that one's and stay.
pub async fn remove(db: &Db, at: Registry<'_>, id: &str, admin_id: &str) -> Result<u64, AdminError> {
    let txn = db.begin().await?;
    if !store::upstreams::remove(&txn, id).await? {
        return Err(no_such(id));
    }
    let unlinked = if at.upstreams.is_configured(id) {
        0
    } else {
        upstream_logins::remove_all_at(&txn, id).await?;
        upstream_identities::remove_all_at(&txn, id).await?
    };
    let details = json!({ "admin": admin_id, "upstream": id, "unlinked": unlinked });
    Event::new(Kind::AdminUpstreamDeleted).details(details).write(&txn).await?;
    txn.commit().await?;
    at.upstreams.forget();
    Ok(unlinked)
}

fn no_such(id: &str) -> AdminError {
    AdminError::Invalid(format!("no sign-in provider `{id}` made on the admin pages"))
}

/// The keys an update changes, for its event; never their values.
fn changed_keys(before: &UpstreamConfig, after: &UpstreamConfig) -> Vec<&'static str> {
    let fields = [
        ("name", before.name != after.name),
        ("api_url", before.api_url != after.api_url),
        ("client_id", before.client_id != after.client_id),
        ("client_secret", before.client_secret.expose() != after.client_secret.expose()),
        ("scopes", before.scopes != after.scopes),
        ("claims.username", before.claims.username != after.claims.username),
        ("claims.name", before.claims.name != after.claims.name),
        ("claims.email", before.claims.email != after.claims.email),
        ("auto_create", before.auto_create != after.auto_create),
        ("link_by_verified_email", before.link_by_verified_email != after.link_by_verified_email),
        ("trust_mfa", before.trust_mfa != after.trust_mfa),
        ("store_tokens", before.store_tokens != after.store_tokens),
    ];
    fields.into_iter().filter(|(_, changed)| *changed).map(|(key, _)| key).collect()
}
