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
    use aws_lc_rs::signature::{ED25519, RSA_PKCS1_2048_8192_SHA256, RsaPublicKeyComponents, UnparsedPublicKey};
    use base64::engine::general_purpose::STANDARD;

    use super::*;

    /// A PKCS#8 v2 document as ring 0.17 generated it, as databases from before the move
    /// to aws-lc-rs hold it: its last 32 bytes are the public key.
    const RING_ED25519_PKCS8: &str = "MFECAQEwBQYDK2VwBCIEILY4asjsb02K4PhVDovNkK2sqmaMnF6iAZqnwPICanHIgSEAILap+MKsxMArziRYvwjk+r3sktiMJLtYmBEsZ3jf2LY=";
    /// An RSA-2048 key as the RSA crate generated it before, and its modulus.
    const RSA_CRATE_PKCS8: &str = "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDMai28dclDAltn426szn2AJkxGeSWw/PazaWd9LVe9GvOVPf9GM1mcKWa7d2RPX0QGNefqDjZj/PMtrafjuu5P6pMZ2I20m/rsdu64GUra24L3vEgfOJc8ROIDIUIhzlGv2ceNxH2RYkEwrrOm4wVOzvqImSCdTP//aFF89DR3VSfw6R8D/1lUN6+pcSJq0wctVUQHXsGlfSmLsdnQokA/nny3oqXXgta44YBlOy+Lj2fXdxgY3hpA/GBlcORRn5cVRrj2d3xHzoz0vWXMTiuEJv9gnm2qiwgUe11qA6bHsRb3BBFdUdcJFzDEyb5c9Iqh/JsAKVx/ODE9YRj5gQpHAgMBAAECggEAPo8sSiYeH0TkZooDQB296O9Pnq3K7Dyu37+dbYDn/jb2XzFnI7vpa9J731mtuGDmd6QdwtLwsG8kmVExNY/rCUg4FsvgqmqmQ6IucudCsnJFxb24sN1n44kNRnnyPFhhRZk36lo9N7ZDTzvYPXXzFOhhYlbC1YFQQ4FQlxZBzFcWLiNJIIqWguwf7GmWPg1l1GonOzjltUn/ABDvJXEoaN4mm11ddztGW6x3BgSo4KwMYsPJR7mkrnkurHFIBiQNGiWJfXnCwE8BTSTdXQ8Pq9M3m7NvdYdHWtWoyLxlbd1f1lzTMDq9uHKUCS2b1oYbeFihL6oaa2SRQva/kviCWQKBgQDyWwYl0+VVsAOVMKIVYkRgq0+yExm45FjIzNCzaDDsk20jHZkq51SHRdH+pFwg5lHwgTkRxzElAOwmjxQJ41vPbkW+fFXYR+zGQ6lb13uYZydhGhg1sSjZml5tvEXlV8uyA1WVWEBhP+nNyslHzdF/9NspAUwEhJvx+WWcP0TbYwKBgQDX7FQlIqB6c5QqFnVkD3eJeRmm3nR6O8QZJBIBqB3UQMecLtXxYIRRH0UHUY0QpSbV5Ga9dS9b179+f2ebZggBNroRgKM9U/wMdK2+puUsuZWFgJklIrCg1m6g2HIuGm7wX08LNtWf95uH0MRfLKqNnM4AsGprPuVZS+vVB6H0zQKBgQDZf2TqB9s15iug9S9Q34qb8sIn/spDyvH+6wiVKXlWpwv3yrVN8qNCbx+BVoGzqN96Zo4P7WKmYciM5jTGlvsrEjyXMcBcxFeyqsBPwveRk2mc1C1L6jzN5KK/+ooDw6HzlNh2mefVHuW1oTq4LPbJzbXte9N77oKBSx+sdH9YHwKBgD9i4kTQiHnKCjncw/Nu0vGpek1RSrJDb0rOGvcfijowFikUWrv0UIOcAWCnoRi80szBsyN1DkUQ7edNsXWeG0V38mGG+OTdDcX+Tq8EQYzColFBsjODnoRozqsrP0Gngt/Pqt2o6EeAocjaEXu7GgpeeN8c6vC20w9GyWGNTw8VAoGBAKlNKkrvzhiG/YIhpcZ8o/ha2LO+6pJjrw+EZgbiL5cRZuR4vXJQgZag9OcyHCeUg23+GaQfHug8Tqa7sEL+pOCdcAknRsrcZosPWVTu5jn4BO/pmhZRjPo7WAuY+J3qMM5Oz1uNvODQDTArj4rpzTIRGaPhFD4LWSzVq+YaPOtg";
    const RSA_CRATE_N: &str = "zGotvHXJQwJbZ+NurM59gCZMRnklsPz2s2lnfS1XvRrzlT3/RjNZnClmu3dkT19EBjXn6g42Y/zzLa2n47ruT+qTGdiNtJv67HbuuBlK2tuC97xIHziXPETiAyFCIc5Rr9nHjcR9kWJBMK6zpuMFTs76iJkgnUz//2hRfPQ0d1Un8OkfA/9ZVDevqXEiatMHLVVEB17BpX0pi7HZ0KJAP558t6Kl14LWuOGAZTsvi49n13cYGN4aQPxgZXDkUZ+XFUa49nd8R86M9L1lzE4rhCb/YJ5tqosIFHtdagOmx7EW9wQRXVHXCRcwxMm+XPSKofybAClcfzgxPWEY+YEKRw==";

    /// Signs a token with `der` and returns its signing input and signature.
    fn signed(alg: SigningAlg, der: &[u8]) -> (String, Vec<u8>) {
        let signer = Signer::from_pkcs8("k1", alg, der).expect("the stored document loads");
        let token = signer.sign("JWT", &serde_json::json!({"sub": "ada"})).expect("sign");
        let (input, signature) = token.rsplit_once('.').expect("three parts");
        (input.to_owned(), URL_SAFE_NO_PAD.decode(signature).expect("base64url"))
    }

    #[test]
    fn an_ed25519_key_ring_generated_still_signs() {
        let der = STANDARD.decode(RING_ED25519_PKCS8).expect("base64");
        let (input, signature) = signed(SigningAlg::EdDSA, &der);
        let public = UnparsedPublicKey::new(&ED25519, &der[der.len() - 32..]);
        assert!(public.verify(input.as_bytes(), &signature).is_ok(), "verifies under the key's own public half");
        assert!(public.verify(b"tampered", &signature).is_err());
    }

    #[test]
    fn an_rsa_key_the_rsa_crate_generated_still_signs() {
        let der = STANDARD.decode(RSA_CRATE_PKCS8).expect("base64");
        let (input, signature) = signed(SigningAlg::RS256, &der);
        let public = RsaPublicKeyComponents { n: STANDARD.decode(RSA_CRATE_N).expect("base64"), e: vec![1, 0, 1] };
        assert!(public.verify(&RSA_PKCS1_2048_8192_SHA256, input.as_bytes(), &signature).is_ok());
        assert!(public.verify(&RSA_PKCS1_2048_8192_SHA256, b"tampered", &signature).is_err());
    }
}
