//! Secrets at rest: AES-256-GCM under a key derived from an operator's secret, a fresh
//! nonce per value, and associated data binding each value to its row, so a copied
//! database holds nothing usable and a value moved to another row does not open.

use aes_gcm::{
    Aes256Gcm, Nonce,
    aead::{Aead, KeyInit, Payload},
};
use sha2::{Digest, Sha256};

use super::opaque::random_bytes;

const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct Sealer {
    cipher: Aes256Gcm,
}

impl Sealer {
    /// A sealer for `secret`, which must be at least 32 characters of a random secret.
    pub fn new(secret: &str) -> Result<Self, String> {
        if secret.len() < 32 {
            return Err("must be at least 32 characters of a random secret".into());
        }
        let key = Sha256::digest(secret.as_bytes());
        Ok(Sealer { cipher: Aes256Gcm::new_from_slice(&key).map_err(|e| e.to_string())? })
    }

    /// nonce ‖ ciphertext of `plaintext`, bound to `context`.
    pub fn seal(&self, plaintext: &[u8], context: &[u8]) -> Vec<u8> {
        let nonce = random_bytes(NONCE_LEN);
        let nonce_array: [u8; NONCE_LEN] = nonce.as_slice().try_into().unwrap_or([0; NONCE_LEN]);
        // Encryption with a valid key and nonce cannot fail for inputs this small.
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce_array), Payload { msg: plaintext, aad: context })
            .unwrap_or_else(|_| std::process::abort());
        [nonce, sealed].concat()
    }

    /// The plaintext, or `None` when the key or `context` is wrong or the value damaged.
    pub fn open(&self, sealed: &[u8], context: &[u8]) -> Option<Vec<u8>> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let nonce: [u8; NONCE_LEN] = nonce.try_into().ok()?;
        self.cipher.decrypt(&Nonce::from(nonce), Payload { msg: ciphertext, aad: context }).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_only_with_its_key_and_context() {
        let sealer = Sealer::new("0123456789abcdef0123456789abcdef").expect("sealer");
        let sealed = sealer.seal(b"JBSWY3DPEHPK3PXP", b"user-1");
        assert!(!sealed.windows(16).any(|w| w == b"JBSWY3DPEHPK3PXP"));
        assert_eq!(sealer.open(&sealed, b"user-1").as_deref(), Some(b"JBSWY3DPEHPK3PXP".as_slice()));
        assert_eq!(sealer.open(&sealed, b"user-2"), None, "moved to another row");
        let other = Sealer::new("another secret of at least 32 chars!").expect("sealer");
        assert_eq!(other.open(&sealed, b"user-1"), None);
        let mut flipped = sealed.clone();
        flipped[20] ^= 1;
        assert_eq!(sealer.open(&flipped, b"user-1"), None);
        assert!(Sealer::new("short").is_err());
    }
}
