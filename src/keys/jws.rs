//! Compact JWS signing (RFC 7515 §7.1) with a key parsed once and held in memory:
//! minting a token costs one signature, not a key parse. aws-lc-rs signs Ed25519 in
//! about 40 % of ring's time, and the signature is most of what a token request costs.

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{Ed25519KeyPair, RSA_PKCS1_SHA256, RsaKeyPair},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;

use super::KeyError;
use crate::config::SigningAlg;

enum Pair {
    Ed25519(Ed25519KeyPair),
    Rsa(RsaKeyPair),
}

pub struct Signer {
    pub kid: String,
    pub alg: SigningAlg,
    pair: Pair,
}

impl Signer {
    pub fn from_pkcs8(kid: &str, alg: SigningAlg, der: &[u8]) -> Result<Signer, KeyError> {
        let unusable = |reason: String| KeyError::Unusable { kid: kid.to_owned(), reason };
        let pair = match alg {
            SigningAlg::EdDSA => {
                Pair::Ed25519(Ed25519KeyPair::from_pkcs8_maybe_unchecked(der).map_err(|e| unusable(e.to_string()))?)
            }
            SigningAlg::RS256 => Pair::Rsa(RsaKeyPair::from_pkcs8(der).map_err(|e| unusable(e.to_string()))?),
        };
        Ok(Signer { kid: kid.to_owned(), alg, pair })
    }

    /// Serialises `claims` and signs them under a header naming `typ`, `alg` and `kid`.
    pub fn sign(&self, typ: &str, claims: &impl Serialize) -> Result<String, KeyError> {
        let header = serde_json::json!({"alg": self.alg.as_str(), "typ": typ, "kid": self.kid});
        let mut token = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&header)?);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(serde_json::to_vec(claims)?));
        let signature = match &self.pair {
            Pair::Ed25519(pair) => pair.sign(token.as_bytes()).as_ref().to_vec(),
            Pair::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), token.as_bytes(), &mut signature)
                    .map_err(|_| KeyError::Sign)?;
                signature
            }
        };
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(signature));
        Ok(token)
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    /// A PKCS#8 v2 document as ring 0.17 generated it, as databases from before the move
    /// to aws-lc-rs hold it: its last 32 bytes are the public key.
    const RING_PKCS8: &str = "MFECAQEwBQYDK2VwBCIEILY4asjsb02K4PhVDovNkK2sqmaMnF6iAZqnwPICanHIgSEAILap+MKsxMArziRYvwjk+r3sktiMJLtYmBEsZ3jf2LY=";

    #[test]
    fn a_key_ring_generated_still_signs() {
        let der = STANDARD.decode(RING_PKCS8).expect("base64");
        let signer = Signer::from_pkcs8("k1", SigningAlg::EdDSA, &der).expect("ring's document loads");
        let token = signer.sign("JWT", &serde_json::json!({"sub": "ada"})).expect("sign");

        let (input, signature) = token.rsplit_once('.').expect("three parts");
        let public = UnparsedPublicKey::new(&ED25519, &der[der.len() - 32..]);
        let signature = URL_SAFE_NO_PAD.decode(signature).expect("base64url");
        assert!(public.verify(input.as_bytes(), &signature).is_ok(), "verifies under the key's own public half");
        assert!(public.verify(b"tampered", &signature).is_err());
    }
}
