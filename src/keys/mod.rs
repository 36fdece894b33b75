//! Signing keys: generation, the published key set, JWS signing and verification.
//! Ed25519 (EdDSA) signs everything by default; one RSA-2048 key serves clients that
//! ask for RS256 id_tokens, which OpenID Connect Core §15.1 requires every provider to offer.

pub mod generate;
pub mod jws;
pub mod keyset;
pub mod rotation;
pub mod thumbprint;
pub mod vault;

pub use keyset::KeySet;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("stored key {kid} is unusable: {reason}")]
    Unusable { kid: String, reason: String },
    #[error("no active {0} signing key")]
    NoActiveKey(&'static str),
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("signing failed")]
    Sign,
    #[error("claims do not serialise: {0}")]
    Claims(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}
