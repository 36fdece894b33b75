//! What a fresh test database starts with that is slow to make: the RSA-2048 signing
//! key, whose generation would take most of an app's start-up. One key is made per
//! test run and stored in every fresh database; the Ed25519 key stays per app.

use std::sync::OnceLock;

use mana_auth::{
    config::{Config, SigningAlg},
    keys::{generate::new_key, vault::Vault},
    store::jwks::{self, NewKey},
};

fn rsa_key() -> NewKey {
    static KEY: OnceLock<NewKey> = OnceLock::new();
    KEY.get_or_init(|| new_key(SigningAlg::RS256, "active").expect("RSA key")).clone()
}

/// Migrates the fresh database of `config` and stores the run's RSA key in it.
pub async fn fresh_database(config: &Config) {
    let db = mana_auth::open_database(config).await.expect("open the test database");
    let key = Vault::from_env().expect("vault").seal_key(rsa_key()).expect("seal");
    jwks::insert(&db, key).await.expect("store the RSA key");
    db.close().await.expect("close");
}
