//! Access tokens whose signature was already checked. A client presents one access
//! token for its whole lifetime, so a token seen again costs a lookup instead of an
//! Ed25519 verification. Entries are keyed by the whole token, so only the exact
//! bytes that were verified hit; a hit still checks expiry and that the signing key is
//! still published (an emergency rotation withdraws it). What only the database knows,
//! revocation and ended sessions, is asked on every use all the same.

use std::{
    collections::HashMap,
    sync::{PoisonError, RwLock},
};

use super::mint::AccessClaims;
use crate::keys::{KeySet, keyset::LEEWAY_SECS};

pub struct VerifiedTokens {
    /// At most this many tokens are held (0: none).
    capacity: usize,
    held: RwLock<HashMap<Box<str>, Remembered>>,
}

struct Remembered {
    kid: String,
    claims: AccessClaims,
}

impl Remembered {
    /// Still within its lifetime, with the leeway full verification allows.
    fn unexpired(&self, now: i64) -> bool {
        now <= self.claims.exp + LEEWAY_SECS as i64
    }
}

impl VerifiedTokens {
    pub fn new(capacity: usize) -> Self {
        Self { capacity, held: RwLock::default() }
    }

    /// The claims of `token` if it was verified before, its key is still published
    /// and it has not expired since.
    pub fn get(&self, token: &str, keys: &KeySet, now: i64) -> Option<AccessClaims> {
        let held = self.held.read().unwrap_or_else(PoisonError::into_inner);
        let entry = held.get(token)?;
        let usable = keys.publishes(&entry.kid) && entry.unexpired(now);
        usable.then(|| entry.claims.clone())
    }

    /// Remembers a token that passed full verification under key `kid`. When full,
    /// expired tokens make room; if none have, everything is dropped, so the memory
    /// stays bounded whatever is presented.
    pub fn insert(&self, token: &str, kid: &str, claims: &AccessClaims, now: i64) {
        if self.capacity == 0 {
            return;
        }
        let mut held = self.held.write().unwrap_or_else(PoisonError::into_inner);
        if held.len() >= self.capacity {
            held.retain(|_, entry| entry.unexpired(now));
            if held.len() >= self.capacity {
                held.clear();
            }
        }
        held.insert(token.into(), Remembered { kid: kid.to_owned(), claims: claims.clone() });
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.held.read().unwrap_or_else(PoisonError::into_inner).len()
    }
}

#[cfg(test)]
mod tests {
    use super::VerifiedTokens;
    use crate::{
        config::SigningAlg,
        keys::{KeySet, keyset::LEEWAY_SECS, vault::Vault},
        store::db,
        tokens::mint::AccessClaims,
    };

    async fn key_set() -> KeySet {
        KeySet::load_or_create(&db::in_memory().await, &Vault::new(None).expect("vault")).await.expect("keys")
    }

    fn claims(jti: &str, exp: i64) -> AccessClaims {
        AccessClaims {
            iss: "https://id.example".into(),
            sub: "user".into(),
            aud: "https://id.example".into(),
            exp,
            iat: exp - 900,
            jti: jti.into(),
            client_id: "app".into(),
            scope: "openid".into(),
            sid: Some("sid".into()),
            email: None,
            role: None,
            cnf: None,
        }
    }

    #[tokio::test]
    async fn a_token_is_taken_only_while_unexpired_and_its_key_is_published() {
        let (keys, other_keys) = (key_set().await, key_set().await);
        let kid = keys.signer(SigningAlg::EdDSA).expect("signer").kid.clone();
        let now = crate::store::now();
        let seen = VerifiedTokens::new(8);
        seen.insert("a.b.c", &kid, &claims("one", now + 60), now);

        assert_eq!(seen.get("a.b.c", &keys, now).map(|c| c.jti).as_deref(), Some("one"));
        assert!(seen.get("a.b.d", &keys, now).is_none(), "only the exact token");
        assert!(seen.get("a.b.c", &other_keys, now).is_none(), "not once its key is withdrawn");
        let leeway = LEEWAY_SECS as i64;
        assert!(seen.get("a.b.c", &keys, now + 60 + leeway).is_some(), "within the leeway");
        assert!(seen.get("a.b.c", &keys, now + 60 + leeway + 1).is_none(), "not once expired");
    }

    #[test]
    fn the_memory_stays_bounded() {
        let now = 1_000_000;
        let seen = VerifiedTokens::new(3);
        seen.insert("old", "k", &claims("old", now - 60), now - 900);
        seen.insert("t1", "k", &claims("t1", now + 60), now);
        seen.insert("t2", "k", &claims("t2", now + 60), now);
        seen.insert("t3", "k", &claims("t3", now + 60), now);
        assert_eq!(seen.len(), 3, "the expired token made room");
        seen.insert("t4", "k", &claims("t4", now + 60), now);
        assert_eq!(seen.len(), 1, "full of live tokens: all dropped, the new one kept");

        let off = VerifiedTokens::new(0);
        off.insert("t1", "k", &claims("t1", now + 60), now);
        assert_eq!(off.len(), 0);
    }
}
