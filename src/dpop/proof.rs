//! Checking one DPoP proof JWT (RFC 9449 §4.3) on its own: its header, its signature by
//! the public key it carries, and its claims against the request it came with. What
//! needs memory of other requests (the `jti` seen before, server nonces) is `check`'s.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use url::Url;

use crate::keys::thumbprint;

/// The proof algorithms accepted, as discovery lists them.
pub const ALGS: [&str; 3] = ["EdDSA", "ES256", "RS256"];

/// How old a proof's `iat` may be; the `jti` of a proof is remembered this long.
pub const MAX_AGE_SECS: i64 = 300;
/// How far ahead of our clock a proof's `iat` may be.
pub const MAX_AHEAD_SECS: i64 = 60;

/// RSA proof keys shorter than this are refused (bytes of modulus: 2048 bits).
const MIN_RSA_MODULUS_BYTES: usize = 256;

/// What the proof must match: the request's method and URL, and, at a protected
/// resource, the access token presented with it.
pub struct Expected<'a> {
    pub htm: &'a str,
    pub htu: &'a str,
    pub access_token: Option<&'a str>,
}

/// A proof whose signature and claims hold.
#[derive(Debug)]
pub struct Proof {
    /// The JWK thumbprint (RFC 7638) of the proof's key: what tokens are bound to.
    pub jkt: String,
    pub jti: String,
    pub nonce: Option<String>,
}

#[derive(Deserialize)]
struct Header {
    typ: Option<String>,
    alg: String,
    jwk: Option<Map<String, Value>>,
}

#[derive(Deserialize)]
struct Claims {
    jti: String,
    htm: String,
    htu: String,
    iat: i64,
    ath: Option<String>,
    nonce: Option<String>,
}

/// Members that only a private or symmetric key has.
const PRIVATE_MEMBERS: [&str; 7] = ["d", "p", "q", "dp", "dq", "qi", "k"];

/// Checks `proof` against `expected` at time `now`; the error says why it is refused.
pub fn verify(proof: &str, expected: &Expected<'_>, now: i64) -> Result<Proof, String> {
    let header = header_of(proof)?;
    if header.typ.as_deref() != Some("dpop+jwt") {
        return Err("the proof's typ must be dpop+jwt".into());
    }
    let jwk = header.jwk.ok_or("the proof carries no jwk")?;
    if let Some(member) = PRIVATE_MEMBERS.iter().find(|m| jwk.contains_key(**m)) {
        return Err(format!("the proof's jwk holds a private key member `{member}`"));
    }
    let (alg, key, jkt) = public_key(&header.alg, &jwk)?;
    let mut validation = Validation::new(alg);
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_aud = false;
    let claims = jsonwebtoken::decode::<Claims>(proof, &key, &validation)
        .map_err(|e| format!("the proof does not verify: {e}"))?
        .claims;
    check_claims(&claims, expected, now)?;
    Ok(Proof { jkt, jti: claims.jti, nonce: claims.nonce })
}

fn header_of(proof: &str) -> Result<Header, String> {
    let malformed = || "the proof is not a JWT".to_owned();
    let encoded = proof.split('.').next().ok_or_else(malformed)?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).map_err(|_| malformed())?;
    serde_json::from_slice(&bytes).map_err(|e| format!("the proof's header is malformed: {e}"))
}

/// The verifying key a proof's `jwk` describes for algorithm `alg`, and its thumbprint.
/// The key type must be the one `alg` signs with, so a key cannot be read as another.
fn public_key(alg: &str, jwk: &Map<String, Value>) -> Result<(Algorithm, DecodingKey, String), String> {
    let member = |name: &str| -> Result<&str, String> {
        let value = jwk.get(name).and_then(Value::as_str).ok_or_else(|| format!("the jwk lacks `{name}`"))?;
        let base64url = !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if base64url { Ok(value) } else { Err(format!("the jwk's `{name}` is not base64url")) }
    };
    let kty = jwk.get("kty").and_then(Value::as_str);
    let crv = jwk.get("crv").and_then(Value::as_str);
    let unusable = |e: jsonwebtoken::errors::Error| format!("the jwk is not a usable key: {e}");
    match (alg, kty, crv) {
        ("EdDSA", Some("OKP"), Some("Ed25519")) => {
            let x = member("x")?;
            Ok((Algorithm::EdDSA, DecodingKey::from_ed_components(x).map_err(unusable)?, thumbprint::okp(x)))
        }
        ("ES256", Some("EC"), Some("P-256")) => {
            let (x, y) = (member("x")?, member("y")?);
            let key = DecodingKey::from_ec_components(x, y).map_err(unusable)?;
            Ok((Algorithm::ES256, key, thumbprint::ec("P-256", x, y)))
        }
        ("RS256", Some("RSA"), _) => {
            let (n, e) = (member("n")?, member("e")?);
            let modulus = URL_SAFE_NO_PAD.decode(n).map_err(|_| "the jwk's `n` is not base64url".to_owned())?;
            if modulus.len() < MIN_RSA_MODULUS_BYTES {
                return Err("RSA proof keys must have at least 2048 bits".into());
            }
            Ok((Algorithm::RS256, DecodingKey::from_rsa_components(n, e).map_err(unusable)?, thumbprint::rsa(n, e)))
        }
        (alg, ..) if ALGS.contains(&alg) => Err(format!("the jwk is not a key for {alg}")),
        (alg, ..) => Err(format!("proof algorithm `{alg}` is not accepted; use one of {}", ALGS.join(", "))),
    }
}

fn check_claims(claims: &Claims, expected: &Expected<'_>, now: i64) -> Result<(), String> {
    if claims.jti.is_empty() || claims.jti.len() > 256 {
        return Err("the proof's jti must have 1 to 256 characters".into());
    }
    if claims.htm != expected.htm {
        return Err(format!("the proof is for {} requests, this is {}", claims.htm, expected.htm));
    }
    if !same_target(&claims.htu, expected.htu) {
        return Err("the proof's htu is not this endpoint's URL".into());
    }
    if claims.iat < now - MAX_AGE_SECS || claims.iat > now + MAX_AHEAD_SECS {
        return Err("the proof's iat is too far from the present time".into());
    }
    match (expected.access_token, claims.ath.as_deref()) {
        (Some(token), Some(ath)) if ath == access_token_hash(token) => Ok(()),
        (Some(_), Some(_)) => Err("the proof's ath is not the hash of this access token".into()),
        (Some(_), None) => Err("the proof lacks ath".into()),
        (None, _) => Ok(()),
    }
}

/// `ath` (§4.2): the base64url SHA-256 of the access token.
pub fn access_token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// Whether `htu` names the URL `expected`, ignoring query and fragment (§4.3) and the
/// spelling differences RFC 3986 §6 normalises away (case of scheme and host, default port).
fn same_target(htu: &str, expected: &str) -> bool {
    let (Ok(htu), Ok(expected)) = (Url::parse(htu), Url::parse(expected)) else { return false };
    htu.scheme() == expected.scheme()
        && htu.host_str() == expected.host_str()
        && htu.port_or_known_default() == expected.port_or_known_default()
        && htu.path() == expected.path()
}

#[cfg(test)]
mod tests {
    use super::same_target;

    #[test]
    fn htu_is_compared_without_query_fragment_case_or_default_port() {
        let token = "https://id.example/token";
        assert!(same_target("https://id.example/token", token));
        assert!(same_target("HTTPS://ID.example:443/token?x=1#f", token));
        assert!(!same_target("https://id.example/token/", token));
        assert!(!same_target("https://id.example:8443/token", token));
        assert!(!same_target("http://id.example/token", token));
        assert!(!same_target("https://other.example/token", token));
        assert!(!same_target("/token", token));
    }
}
