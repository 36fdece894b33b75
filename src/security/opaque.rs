//! Opaque secrets (codes, refresh tokens, client secrets, ids) and their stored digests.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::{
    hmac,
    rand::{SecureRandom, SystemRandom},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// `len` bytes of CSPRNG output.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut buf = vec![0u8; len];
    // The system RNG only fails when the OS has no entropy source at all.
    SystemRandom::new().fill(&mut buf).unwrap_or_else(|_| std::process::abort());
    buf
}

/// `bytes` of CSPRNG output, base64url without padding.
pub fn random_token(bytes: usize) -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(bytes))
}

/// A 256-bit secret: codes, refresh tokens, client secrets.
pub fn new_secret() -> String {
    random_token(32)
}

/// A 256-bit secret derived from the secret `key` for `purpose` (HMAC-SHA256),
/// base64url like `new_secret`: the same inputs always give the same secret.
pub fn derived_secret(key: &str, purpose: &str) -> String {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key.as_bytes());
    URL_SAFE_NO_PAD.encode(hmac::sign(&key, purpose.as_bytes()))
}

/// A 128-bit identifier: user ids, session ids, token ids.
pub fn new_id() -> String {
    random_token(16)
}

/// Hex digits of a time prefix: microseconds since 1970 fit in 13 until the year 2112.
pub const TIME_PREFIX_LEN: usize = 13;

/// The current time as a fixed-width prefix that sorts as it counts. A row keyed or
/// indexed by a value that starts with it lands beside the last rows written, not on a
/// random page of the index, so a write dirties a few hot pages instead of one cold
/// page per index (and the database logs and checkpoints each page it dirties).
pub fn time_prefix() -> String {
    let micros = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros());
    format!("{micros:0width$x}", width = TIME_PREFIX_LEN)
}

/// A token id that sorts by its issue time (see `time_prefix`), then 96 random bits.
pub fn new_ordered_id() -> String {
    time_prefix() + &random_token(12)
}

/// Hex SHA-256: how secrets are stored. High-entropy secrets need no slow hash.
pub fn digest(secret: &str) -> String {
    digest_bytes(secret.as_bytes())
}

/// Hex SHA-256 of any bytes.
pub fn digest_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Compares a presented secret with a stored digest in constant time.
pub fn matches_digest(secret: &str, stored_digest: &str) -> bool {
    digest(secret).as_bytes().ct_eq(stored_digest.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_carry_256_bits() {
        let secret = new_secret();
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).map(|b| b.len()), Ok(32));
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn a_derived_secret_is_the_same_for_the_same_inputs_only() {
        let secret = derived_secret("parent", "purpose");
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).map(|b| b.len()), Ok(32));
        assert_eq!(secret, derived_secret("parent", "purpose"));
        assert_ne!(secret, derived_secret("parent2", "purpose"));
        assert_ne!(secret, derived_secret("parent", "purpose2"));
    }

    #[test]
    fn ordered_ids_sort_by_issue_time_and_stay_unique() {
        let first = new_ordered_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let second = new_ordered_id();
        assert!(first < second, "{first} sorts before {second}");
        assert_eq!(first.len(), TIME_PREFIX_LEN + 16);
        assert!(first[..TIME_PREFIX_LEN].bytes().all(|b| b.is_ascii_hexdigit()));
        let same_instant: std::collections::HashSet<_> = (0..1000).map(|_| new_ordered_id()).collect();
        assert_eq!(same_instant.len(), 1000, "the random part tells apart ids of one microsecond");
    }

    #[test]
    fn a_digest_is_lowercase_hex_sha256_as_stored_before() {
        assert_eq!(digest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    #[test]
    fn digest_matches_only_its_secret() {
        let stored = digest("abc");
        assert!(matches_digest("abc", &stored));
        assert!(!matches_digest("abd", &stored));
        assert!(!matches_digest("", &stored));
    }
}
