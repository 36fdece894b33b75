//! Private keys at rest: sealed with AES-256-GCM under the key-encryption key from
//! `MANA_AUTH_KEY_ENCRYPTION_KEY`, so a copy of the database (or of a backup) does not
//! hold usable signing keys. Without it, keys are stored as plain PKCS#8 and start-up warns.

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit},
};
use sha2::{Digest, Sha256};

use super::KeyError;
use crate::{security::opaque::random_bytes, store::jwks::NewKey};

pub const ENV: &str = "MANA_AUTH_KEY_ENCRYPTION_KEY";
const SEALED: &[u8; 6] = b"MKEK1:";
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct Vault {
    cipher: Option<Aes256Gcm>,
}

impl Vault {
    /// A vault for `secret` (at least 32 characters of a random secret), or an open one.
    pub fn new(secret: Option<&str>) -> Result<Vault, KeyError> {
        let cipher = match secret {
            Some(secret) if secret.len() < 32 => {
                return Err(KeyError::Generate(format!("{ENV} must be at least 32 characters of a random secret")));
            }
            Some(secret) => {
                let key = Sha256::digest(secret.as_bytes());
                Some(Aes256Gcm::new_from_slice(&key).map_err(|e| KeyError::Generate(e.to_string()))?)
            }
            None => None,
        };
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
            let nonce = random_bytes(NONCE_LEN);
            let sealed = cipher
                .encrypt(&nonce_of(&nonce)?, key.private_der.as_slice())
                .map_err(|_| KeyError::Generate("sealing the private key failed".into()))?;
            key.private_der = [SEALED.as_slice(), &nonce, &sealed].concat();
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
        if sealed.len() < NONCE_LEN {
            return Err(unusable("the sealed key is truncated"));
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        cipher
            .decrypt(&nonce_of(nonce)?, ciphertext)
            .map_err(|_| unusable(&format!("wrong {ENV}, or the key is corrupted")))
    }
}

fn nonce_of(bytes: &[u8]) -> Result<Nonce<aes_gcm::aes::cipher::consts::U12>, KeyError> {
    let array: [u8; NONCE_LEN] = bytes.try_into().map_err(|_| KeyError::Generate("bad nonce".into()))?;
    Ok(Nonce::from(array))
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
