//! The upstream's access token, kept only with `store_tokens`: sealed with the secrets
//! key and bound to the identity's issuer and subject, as TOTP secrets are bound to
//! their account, so a copied database holds nothing usable and a value moved to
//! another identity does not open. Refresh tokens and id_tokens are never kept.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::Identity;
use crate::security::sealing::Sealer;

/// What the upstream's token endpoint gave for one sign-in.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    pub access_token: String,
    pub token_type: String,
    /// When the access token expires, where the upstream said.
    pub expires_at: Option<i64>,
    pub scope: Option<String>,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Tokens([redacted])")
    }
}

fn context(issuer: &str, subject: &str) -> Vec<u8> {
    format!("upstream-tokens\n{issuer}\n{subject}").into_bytes()
}

impl Tokens {
    pub fn seal(&self, sealer: &Sealer, identity: &Identity) -> Vec<u8> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        sealer.seal(&json, &context(&identity.issuer, &identity.subject))
    }

    /// The tokens sealed for the identity `subject` at `issuer`; none when the key or
    /// the identity is another.
    pub fn open(sealer: &Sealer, sealed: &[u8], issuer: &str, subject: &str) -> Option<Tokens> {
        serde_json::from_slice(&sealer.open(sealed, &context(issuer, subject))?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_open_only_for_their_identity_and_never_print() {
        let sealer = Sealer::new("0123456789abcdef0123456789abcdef").expect("sealer");
        let tokens = Tokens {
            access_token: "gho_secret".into(),
            token_type: "bearer".into(),
            expires_at: Some(1),
            scope: Some("read:user".into()),
        };
        let identity = Identity {
            issuer: "https://github.com".into(),
            subject: "42".into(),
            email: None,
            email_verified: false,
            username: None,
            name: None,
            mfa: false,
        };
        let sealed = tokens.seal(&sealer, &identity);
        assert!(!sealed.windows(10).any(|w| w == b"gho_secret"));
        assert_eq!(Tokens::open(&sealer, &sealed, "https://github.com", "42"), Some(tokens.clone()));
        assert_eq!(Tokens::open(&sealer, &sealed, "https://github.com", "43"), None, "another identity");
        assert!(!format!("{tokens:?}").contains("gho_secret"));
    }
}
