//! New key pairs, Ed25519 and RSA-2048, generated with aws-lc-rs.

use aws_lc_rs::{
    encoding::{AsDer, Pkcs8V1Der},
    rand::SystemRandom,
    rsa::KeySize,
    signature::{Ed25519KeyPair, KeyPair, RsaKeyPair},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde_json::json;

use super::{KeyError, thumbprint, vault::Vault};
use crate::{config::SigningAlg, store::jwks::NewKey};

pub fn new_key(alg: SigningAlg, status: &str) -> Result<NewKey, KeyError> {
    let (kid, private_der, public_jwk) = match alg {
        SigningAlg::EdDSA => ed25519()?,
        SigningAlg::RS256 => rsa2048()?,
    };
    Ok(NewKey { kid, alg: alg.as_str().into(), status: status.into(), private_der, public_jwk: public_jwk.to_string() })
}

/// A new key pair generated off the async runtime (RSA takes a while), its private
/// part sealed by `vault`, ready to store.
pub async fn new_sealed_key(alg: SigningAlg, status: &'static str, vault: &Vault) -> Result<NewKey, KeyError> {
    let key = tokio::task::spawn_blocking(move || new_key(alg, status))
        .await
        .map_err(|e| KeyError::Generate(e.to_string()))??;
    tracing::info!(kid = %key.kid, alg = alg.as_str(), status, "signing key created");
    vault.seal_key(key)
}

fn ed25519() -> Result<(String, Vec<u8>, serde_json::Value), KeyError> {
    let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|e| KeyError::Generate(e.to_string()))?;
    let pair = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).map_err(|e| KeyError::Generate(e.to_string()))?;
    let x = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
    let kid = thumbprint::okp(&x);
    let jwk = json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "use": "sig", "alg": "EdDSA"});
    Ok((kid, pkcs8.as_ref().to_vec(), jwk))
}

fn rsa2048() -> Result<(String, Vec<u8>, serde_json::Value), KeyError> {
    let pair = RsaKeyPair::generate(KeySize::Rsa2048).map_err(|e| KeyError::Generate(e.to_string()))?;
    let der: Pkcs8V1Der = pair.as_der().map_err(|e| KeyError::Generate(e.to_string()))?;
    let public = pair.public_key();
    let n = URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero());
    let e = URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero());
    let kid = thumbprint::rsa(&n, &e);
    let jwk = json!({"kty": "RSA", "n": n, "e": e, "kid": kid, "use": "sig", "alg": "RS256"});
    Ok((kid, der.as_ref().to_vec(), jwk))
}
