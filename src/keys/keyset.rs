//! The key set held in memory: the active signer per algorithm, a verifier per
//! published key, and the JWKS document pre-serialised with its ETag.

use std::collections::HashMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use sea_orm::ConnectionTrait;
use serde::de::DeserializeOwned;

use super::{KeyError, generate::new_sealed_key, jws::Signer, vault::Vault};
use crate::{
    config::SigningAlg,
    security::opaque::{derived_secret, new_secret},
    store::jwks as stored,
};

pub struct KeySet {
    signers: HashMap<SigningAlg, Signer>,
    /// When each active signing key started signing (UNIX seconds).
    activated: HashMap<SigningAlg, i64>,
    verifiers: HashMap<String, (SigningAlg, Algorithm, DecodingKey)>,
    /// The public JWK Set document (RFC 7517 §5).
    pub jwks: serde_json::Value,
    /// `kid:status` of every stored key, to tell when the stored set changed.
    pub fingerprint: String,
    /// A secret derived from the newest active private key: the same on every replica
    /// that loads these keys, and a new one after each rotation (see `derived_secret`).
    secrets_root: String,
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
    #[error("algorithm not accepted for this token")]
    WrongAlgorithm,
    #[error("key references in the header are not accepted")]
    KeyInHeader,
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
        let mut secrets_root = None;
        // Rows come oldest first, so the newest active key of each algorithm signs.
        for row in rows {
            let unusable = |reason: String| KeyError::Unusable { kid: row.kid.clone(), reason };
            let alg = SigningAlg::parse(&row.alg).ok_or_else(|| unusable(format!("unknown alg {}", row.alg)))?;
            let jwk: serde_json::Value = serde_json::from_str(&row.public_jwk).map_err(|e| unusable(e.to_string()))?;
            let (jwt_alg, key) = decoding_key(alg, &jwk).ok_or_else(|| unusable("bad public JWK".into()))?;
            verifiers.insert(row.kid.clone(), (alg, jwt_alg, key));
            if row.status == "active" {
                let der = vault.open(&row.kid, &row.private_der)?;
                secrets_root = Some(derived_secret(&URL_SAFE_NO_PAD.encode(&der), "mana-auth key-derived secrets"));
                signers.insert(alg, Signer::from_pkcs8(&row.kid, alg, &der)?);
                activated.insert(alg, row.activated_at.unwrap_or(row.created_at));
            }
            public.push(jwk);
        }
        let fingerprint = rows.iter().map(|r| format!("{}:{}", r.kid, r.status)).collect::<Vec<_>>().join(",");
        Ok(KeySet {
            signers,
            activated,
            verifiers,
            jwks: serde_json::json!({ "keys": public }),
            fingerprint,
            secrets_root: secrets_root.unwrap_or_else(new_secret),
        })
    }

    /// A secret for `purpose` that every replica holding this key set derives alike,
    /// without a secret of its own to share; it changes when the signing keys rotate.
    pub fn derived_secret(&self, purpose: &str) -> String {
        derived_secret(&self.secrets_root, purpose)
    }

    /// (algorithm, activation time) of every active signing key.
    pub fn activation_times(&self) -> impl Iterator<Item = (SigningAlg, i64)> + '_ {
        self.activated.iter().map(|(alg, at)| (*alg, *at))
    }

    pub fn signer(&self, alg: SigningAlg) -> Result<&Signer, KeyError> {
        self.signers.get(&alg).ok_or(KeyError::NoActiveKey(alg.as_str()))
    }

    /// Whether `kid` is one of the published keys.
    pub fn publishes(&self, kid: &str) -> bool {
        self.verifiers.contains_key(kid)
    }

    /// Verifies one of our tokens: a `kid` of this key set, an algorithm `expect`
    /// allows and matching that key, no key material or key URL in the header (`jku`,
    /// `jwk`, `x5u`, `x5c`: we never trust a token to name its own key), the `typ`,
    /// the issuer, the audience when one is expected, `nbf`, and `exp` unless told not
    /// to. Only algorithms of published keys are accepted: `none` and HMAC never verify.
    pub fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        issuer: &str,
        expect: &Expect<'_>,
    ) -> Result<Verified<'_, T>, VerifyError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| VerifyError::Malformed)?;
        if header.jku.is_some() || header.jwk.is_some() || header.x5u.is_some() || header.x5c.is_some() {
            return Err(VerifyError::KeyInHeader);
        }
        let kid = header.kid.as_deref().ok_or(VerifyError::UnknownKey)?;
        let (kid, (alg, jwt_alg, key)) = self.verifiers.get_key_value(kid).ok_or(VerifyError::UnknownKey)?;
        if header.alg != *jwt_alg || !expect.algs.contains(alg) {
            return Err(VerifyError::WrongAlgorithm);
        }
        if header.typ.as_deref().map(str::to_ascii_lowercase) != Some(expect.typ.to_ascii_lowercase()) {
            return Err(VerifyError::WrongType);
        }
        let mut validation = Validation::new(*jwt_alg);
        validation.set_issuer(&[issuer]);
        if expect.audiences.is_empty() {
            validation.validate_aud = false;
        } else {
            validation.set_audience(expect.audiences);
        }
        validation.validate_nbf = true;
        validation.validate_exp = expect.check_exp;
        validation.leeway = LEEWAY_SECS;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let claims = jsonwebtoken::decode::<T>(token, key, &validation).map_err(VerifyError::Invalid)?.claims;
        Ok(Verified { claims, alg: *alg, kid })
    }
}

/// A token that passed [`KeySet::verify`]: its claims and the key that signed them.
pub struct Verified<'k, T> {
    pub claims: T,
    pub alg: SigningAlg,
    pub kid: &'k str,
}

/// Clock skew allowed on `exp` and `nbf`: replicas keep their clocks in sync, and a
/// token should not outlive its stated lifetime by much.
pub const LEEWAY_SECS: u64 = 5;

/// What a token must be to be accepted.
pub struct Expect<'a> {
    /// `at+jwt` for access tokens, `JWT` for id_tokens.
    pub typ: &'a str,
    pub algs: &'a [SigningAlg],
    /// The audiences of which `aud` must name one; none checks no audience.
    pub audiences: &'a [&'a str],
    pub check_exp: bool,
}

impl<'a> Expect<'a> {
    /// Access tokens: EdDSA only, meant for this provider (`aud` one of `audiences`,
    /// see `Config::access_token_audiences`), unexpired.
    pub fn access_token(audiences: &'a [&'a str]) -> Self {
        Expect { typ: "at+jwt", algs: &[SigningAlg::EdDSA], audiences, check_exp: true }
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
