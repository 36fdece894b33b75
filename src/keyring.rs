//! The live key set: what every request signs and verifies with, and the published JWKS.
//! It reloads itself from the database when keys change there (a rotation by this or
//! another process), so every process on one database follows within a reload period.

use std::sync::Arc;

use arc_swap::ArcSwap;
use sea_orm::ConnectionTrait;

use crate::{
    keys::{KeyError, KeySet, vault::Vault},
    web::cached::CachedJson,
};

/// How long clients may cache the JWKS: short enough that a key published ahead of a
/// rotation is fetched well before it signs.
pub const JWKS_MAX_AGE_SECS: u32 = 300;

pub struct KeyRing {
    keys: ArcSwap<KeySet>,
    published: ArcSwap<CachedJson>,
    vault: Vault,
}

impl KeyRing {
    /// Loads the keys, creating the first ones on a new database.
    pub async fn load(db: &impl ConnectionTrait, vault: Vault) -> Result<KeyRing, KeyError> {
        let keys = KeySet::load_or_create(db, &vault).await?;
        let published = CachedJson::new(&keys.jwks, JWKS_MAX_AGE_SECS);
        Ok(KeyRing { keys: ArcSwap::from_pointee(keys), published: ArcSwap::from_pointee(published), vault })
    }

    /// What seals and opens private keys at rest.
    pub fn vault(&self) -> &Vault {
        &self.vault
    }

    /// The key set in force now.
    pub fn current(&self) -> Arc<KeySet> {
        self.keys.load_full()
    }

    /// The JWKS document in force now.
    pub fn published(&self) -> Arc<CachedJson> {
        self.published.load_full()
    }

    /// Reloads from the database when the stored keys differ from the ones held.
    /// Returns whether anything changed.
    pub async fn refresh(&self, db: &impl ConnectionTrait) -> Result<bool, KeyError> {
        let loaded = KeySet::load(db, &self.vault).await?;
        if loaded.fingerprint == self.keys.load().fingerprint {
            return Ok(false);
        }
        // Publish first: a verifier must know a key before anything is signed with it.
        self.published.store(Arc::new(CachedJson::new(&loaded.jwks, JWKS_MAX_AGE_SECS)));
        tracing::info!(keys = %loaded.fingerprint, "signing keys reloaded");
        self.keys.store(Arc::new(loaded));
        Ok(true)
    }
}
