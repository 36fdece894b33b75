//! The key set held in memory: the active signer per algorithm, a verifier per
//! published key, and the JWKS document pre-serialised with its ETag.

use std::collections::HashMap;

use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sea_orm::ConnectionTrait;
use serde::de::DeserializeOwned;

use super::{KeyError, generate::new_sealed_key, jws::Signer, vault::Vault};
use crate::{config::SigningAlg, store::jwks as stored};

pub struct KeySet {
    signers: HashMap<SigningAlg, Signer>,
    /// When each active signing key started signing (UNIX seconds).
    activated: HashMap<SigningAlg, i64>,
    verifiers: HashMap<String, (Algorithm, DecodingKey)>,
    /// The public JWK Set document (RFC 7517 §5).
    pub jwks: serde_json::Value,
    /// `kid:status` of every stored key, to tell when the stored set changed.
    pub fingerprint: String,
}

/// Why a presented token was refused; the text goes into `error_description`, never the token.
#[derive(Debug, thiserror::Error)]
pub enum VerifyError {
    #[error("malformed token")]
    Malformed,
    #[error("unknown signing key")]
    UnknownKey,
    #[error("wrong token type")]
    WrongType,
    #[error("{0}")]
    Invalid(jsonwebtoken::errors::Error),
}

impl KeySet {
    /// Loads the published keys, creating the first Ed25519 and RSA keys when there are none.
    pub async fn load_or_create(db: &impl ConnectionTrait, vault: &Vault) -> Result<KeySet, KeyError> {
        let keys = stored::published(db).await?;
        for alg in [SigningAlg::EdDSA, SigningAlg::RS256] {
            if !keys.iter().any(|k| k.status == "active" && k.alg == alg.as_str()) {
                stored::insert(db, new_sealed_key(alg, "active", vault).await?).await?;
            }
        }
        KeySet::load(db, vault).await
    }

    /// Loads the published keys as stored.
    pub async fn load(db: &impl ConnectionTrait, vault: &Vault) -> Result<KeySet, KeyError> {
        KeySet::from_rows(&stored::published(db).await?, vault)
    }

    fn from_rows(rows: &[entity::jwks::Model], vault: &Vault) -> Result<KeySet, KeyError> {
        let mut signers = HashMap::new();
        let mut activated = HashMap::new();
        let mut verifiers = HashMap::new();
        let mut public = Vec::new();
        // Rows come oldest first, so the newest active key of each algorithm signs.
        for row in rows {
            let unusable = |reason: String| KeyError::Unusable { kid: row.kid.clone(), reason };
            let alg = SigningAlg::parse(&row.alg).ok_or_else(|| unusable(format!("unknown alg {}", row.alg)))?;
            let jwk: serde_json::Value = serde_json::from_str(&row.public_jwk).map_err(|e| unusable(e.to_string()))?;
            verifiers
                .insert(row.kid.clone(), decoding_key(alg, &jwk).ok_or_else(|| unusable("bad public JWK".into()))?);
            if row.status == "active" {
                signers.insert(alg, Signer::from_pkcs8(&row.kid, alg, &vault.open(&row.kid, &row.private_der)?)?);
                activated.insert(alg, row.activated_at.unwrap_or(row.created_at));
            }
            public.push(jwk);
        }
        let fingerprint = rows.iter().map(|r| format!("{}:{}", r.kid, r.status)).collect::<Vec<_>>().join(",");
        Ok(KeySet { signers, activated, verifiers, jwks: serde_json::json!({ "keys": public }), fingerprint })
    }

    /// (algorithm, activation time) of every active signing key.
    pub fn activation_times(&self) -> impl Iterator<Item = (SigningAlg, i64)> + '_ {
        self.activated.iter().map(|(alg, at)| (*alg, *at))
    }

    pub fn signer(&self, alg: SigningAlg) -> Result<&Signer, KeyError> {
        self.signers.get(&alg).ok_or(KeyError::NoActiveKey(alg.as_str()))
    }

    /// Verifies signature, `iss`, `exp` and `nbf` of a token this provider signed, and its `typ`.
    /// Only algorithms of published keys are accepted: `none` and HMAC never verify.
    pub fn verify<T: DeserializeOwned>(&self, token: &str, issuer: &str, typ: &str) -> Result<T, VerifyError> {
        self.verify_with(token, issuer, typ, true)
    }

    /// As `verify`, but accepts an expired token: an `id_token_hint` at logout may be old.
    pub fn verify_ignoring_expiry<T: DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        typ: &str,
    ) -> Result<T, VerifyError> {
        self.verify_with(token, issuer, typ, false)
    }

    fn verify_with<T: DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        typ: &str,
        check_exp: bool,
    ) -> Result<T, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        let kid = header.kid.as_deref().ok_or(VerifyError::UnknownKey)?;
        let (alg, key) = self.verifiers.get(kid).ok_or(VerifyError::UnknownKey)?;
        if header.typ.as_deref().map(str::to_ascii_lowercase) != Some(typ.to_ascii_lowercase()) {
            return Err(VerifyError::WrongType);
        }
        let mut validation = Validation::new(*alg);
        validation.set_issuer(&[issuer]);
        validation.validate_aud = false;
        validation.validate_nbf = true;
        validation.validate_exp = check_exp;
        validation.leeway = 0;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        jsonwebtoken::decode::<T>(token, key, &validation).map(|data| data.claims).map_err(VerifyError::Invalid)
    }
}

fn decoding_key(alg: SigningAlg, jwk: &serde_json::Value) -> Option<(Algorithm, DecodingKey)> {
    match alg {
        SigningAlg::EdDSA => Some((Algorithm::EdDSA, DecodingKey::from_ed_components(jwk["x"].as_str()?).ok()?)),
        SigningAlg::RS256 => {
            Some((Algorithm::RS256, DecodingKey::from_rsa_components(jwk["n"].as_str()?, jwk["e"].as_str()?).ok()?))
        }
    }
}
