//! A DPoP client's key (RFC 9449): makes proofs as a client library would, and wrong
//! ones on request, signed with aws-lc-rs.

use aws_lc_rs::{
    encoding::{AsDer, Pkcs8V1Der},
    rand::SystemRandom,
    rsa::KeySize,
    signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RSA_PKCS1_SHA256, RsaKeyPair},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

enum Pair {
    Ed25519(Ed25519KeyPair),
    P256(EcdsaKeyPair),
    Rsa(RsaKeyPair),
}

pub struct DpopKey {
    pair: Pair,
    pub alg: &'static str,
    /// The public JWK the proofs carry.
    pub jwk: Value,
}

/// What a proof says; `DpopKey::claims` fills in a good one to change.
pub struct ProofFor<'a> {
    pub htm: &'a str,
    pub htu: String,
    pub access_token: Option<&'a str>,
    pub nonce: Option<&'a str>,
}

impl DpopKey {
    pub fn ed25519() -> DpopKey {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("generate");
        let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).expect("parse");
        let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        DpopKey { pair: Pair::Ed25519(pair), alg: "EdDSA", jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x}) }
    }

    pub fn p256() -> DpopKey {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("generate");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref()).expect("parse");
        // Uncompressed point: 0x04, then x and y of 32 bytes each.
        let point = pair.public_key().as_ref().to_vec();
        let (x, y) = (URL_SAFE_NO_PAD.encode(&point[1..33]), URL_SAFE_NO_PAD.encode(&point[33..]));
        DpopKey { pair: Pair::P256(pair), alg: "ES256", jwk: json!({"kty": "EC", "crv": "P-256", "x": x, "y": y}) }
    }

    pub fn rsa(size: KeySize) -> DpopKey {
        let generated = RsaKeyPair::generate(size).expect("generate");
        let der: Pkcs8V1Der = generated.as_der().expect("der");
        let pair = RsaKeyPair::from_pkcs8(der.as_ref()).expect("parse");
        let public = pair.public_key();
        let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
        let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
        DpopKey { pair: Pair::Rsa(pair), alg: "RS256", jwk: json!({"kty": "RSA", "n": n, "e": e}) }
    }

    /// The key's JWK thumbprint (RFC 7638), computed here independently of the server.
    pub fn jkt(&self) -> String {
        let jwk = &self.jwk;
        let canonical = match jwk["kty"].as_str() {
            Some("OKP") => json!({"crv": jwk["crv"], "kty": "OKP", "x": jwk["x"]}),
            Some("EC") => json!({"crv": jwk["crv"], "kty": "EC", "x": jwk["x"], "y": jwk["y"]}),
            _ => json!({"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}),
        };
        // serde_json writes object members in sorted order, as RFC 7638 needs.
        URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    /// A good proof for `htm` at `htu`, for `access_token` when one is presented.
    pub fn proof(&self, htm: &str, htu: &str, access_token: Option<&str>) -> String {
        self.proof_for(&ProofFor { htm, htu: htu.into(), access_token, nonce: None })
    }

    pub fn proof_for(&self, what: &ProofFor<'_>) -> String {
        let (header, claims) = self.parts(what);
        self.sign(&header, &claims)
    }

    /// The header and claims of a good proof, to alter before `sign`.
    pub fn parts(&self, what: &ProofFor<'_>) -> (Value, Value) {
        let header = json!({"typ": "dpop+jwt", "alg": self.alg, "jwk": self.jwk});
        let mut claims = json!({
            "jti": URL_SAFE_NO_PAD.encode(rand_bytes()),
            "htm": what.htm,
            "htu": what.htu,
            "iat": now(),
        });
        if let Some(token) = what.access_token {
            claims["ath"] = json!(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())));
        }
        if let Some(nonce) = what.nonce {
            claims["nonce"] = json!(nonce);
        }
        (header, claims)
    }

    /// Signs any header and claims with this key.
    pub fn sign(&self, header: &Value, claims: &Value) -> String {
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string().as_bytes()),
            URL_SAFE_NO_PAD.encode(claims.to_string().as_bytes())
        );
        let rng = SystemRandom::new();
        let signature = match &self.pair {
            Pair::Ed25519(pair) => pair.sign(signing_input.as_bytes()).as_ref().to_vec(),
            Pair::P256(pair) => pair.sign(&rng, signing_input.as_bytes()).expect("sign").as_ref().to_vec(),
            Pair::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &rng, signing_input.as_bytes(), &mut signature).expect("sign");
                signature
            }
        };
        format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
    }
}

fn rand_bytes() -> [u8; 16] {
    use aws_lc_rs::rand::SecureRandom;
    let mut bytes = [0u8; 16];
    SystemRandom::new().fill(&mut bytes).expect("random");
    bytes
}

pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64
}
