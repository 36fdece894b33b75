//! JWK thumbprints (RFC 7638): the `kid` of every key.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};

/// Thumbprint of an Ed25519 public key, `x` base64url.
pub fn okp(x: &str) -> String {
    hash(&format!(r#"{{"crv":"Ed25519","kty":"OKP","x":"{x}"}}"#))
}

/// Thumbprint of an elliptic-curve public key of curve `crv`, `x` and `y` base64url.
pub fn ec(crv: &str, x: &str, y: &str) -> String {
    hash(&format!(r#"{{"crv":"{crv}","kty":"EC","x":"{x}","y":"{y}"}}"#))
}

/// Thumbprint of an RSA public key, `n` and `e` base64url.
pub fn rsa(n: &str, e: &str) -> String {
    hash(&format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#))
}

fn hash(canonical: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    /// The example of RFC 7638 §3.1.
    #[test]
    fn matches_the_rfc_example() {
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(super::rsa(n, "AQAB"), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
    }
}
