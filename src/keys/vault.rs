//! Private keys at rest: sealed with AES-256-GCM under the key-encryption key from
//! `MANA_AUTH_KEY_ENCRYPTION_KEY`, so a copy of the database (or of a backup) does not
//! hold usable signing keys. Without it, keys are stored as plain PKCS#8 and start-up warns.

use super::KeyError;
use crate::{security::sealing::Sealer, store::jwks::NewKey};

pub const ENV: &str = "MANA_AUTH_KEY_ENCRYPTION_KEY";
const SEALED: &[u8; 6] = b"MKEK1:";

#[derive(Clone)]
pub struct Vault {
    cipher: Option<Sealer>,
}

impl Vault {
    /// A vault for `secret` (at least 32 characters of a random secret), or an open one.
    pub fn new(secret: Option<&str>) -> Result<Vault, KeyError> {
        let cipher =
            secret.map(Sealer::new).transpose().map_err(|problem| KeyError::Generate(format!("{ENV} {problem}")))?;
        Ok(Vault { cipher })
    }

    pub fn from_env() -> Result<Vault, KeyError> {
        let secret = std::env::var(ENV).ok().filter(|s| !s.is_empty());
        let vault = Vault::new(secret.as_deref())?;
        if !vault.seals() {
            tracing::warn!("{ENV} is not set: private signing keys are stored unencrypted");
        }
        Ok(vault)
    }

    pub fn seals(&self) -> bool {
        self.cipher.is_some()
    }

    /// Seals a new key's private part before it is stored.
    pub fn seal_key(&self, mut key: NewKey) -> Result<NewKey, KeyError> {
        if let Some(cipher) = &self.cipher {
            key.private_der = [SEALED.as_slice(), &cipher.seal(&key.private_der, b"")].concat();
        }
        Ok(key)
    }

    /// The PKCS#8 of a stored key, unsealing it when sealed.
    pub fn open(&self, kid: &str, stored: &[u8]) -> Result<Vec<u8>, KeyError> {
        let Some(sealed) = stored.strip_prefix(SEALED.as_slice()) else {
            return Ok(stored.to_vec());
        };
        let unusable = |reason: &str| KeyError::Unusable { kid: kid.to_owned(), reason: reason.to_owned() };
        let cipher = self.cipher.as_ref().ok_or_else(|| unusable(&format!("the key is sealed; set {ENV}")))?;
        cipher.open(sealed, b"").ok_or_else(|| unusable(&format!("wrong {ENV}, or the key is corrupted")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> NewKey {
        NewKey {
            kid: "k".into(),
            alg: "EdDSA".into(),
            status: "active".into(),
            private_der: b"pkcs8".to_vec(),
            public_jwk: "{}".into(),
        }
    }

    #[test]
    fn sealed_keys_open_only_with_their_kek() {
        let vault = Vault::new(Some("a key-encryption key of 32+ chars!")).expect("vault");
        let sealed = vault.seal_key(key()).expect("seal").private_der;
        assert!(sealed.starts_with(SEALED) && !sealed.windows(5).any(|w| w == b"pkcs8"));
        assert_eq!(vault.open("k", &sealed).expect("open"), b"pkcs8");
        assert!(Vault::new(Some("another key-encryption key of 32+")).expect("vault").open("k", &sealed).is_err());
        assert!(Vault::new(None).expect("open vault").open("k", &sealed).is_err());
        assert_eq!(Vault::new(None).expect("open vault").open("k", b"pkcs8").expect("plain"), b"pkcs8");
        assert!(Vault::new(Some("short")).is_err());
    }
}
