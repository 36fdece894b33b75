//! Minting tokens: RFC 9068 access tokens and OIDC Core §2 id_tokens, both signed
//! with a key held in memory.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::users;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256, Sha512};

use super::scope::Scope;
use crate::{
    config::{Config, SigningAlg},
    keys::{KeyError, KeySet},
    security::opaque::new_ordered_id,
    store::{clients::Client, now},
};

/// Claims of an access token (RFC 9068 §2.2); also what verification yields.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    pub sub: String,
    pub aud: String,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
    pub client_id: String,
    pub scope: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// The key the token is bound to (RFC 9449 §6): presented only with its proof.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cnf: Option<Confirmation>,
}

/// A confirmation claim (RFC 7800) naming a DPoP key by its JWK thumbprint.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Confirmation {
    pub jkt: String,
}

#[derive(Serialize)]
struct IdClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    /// How the user authenticated (RFC 8176) and the level that makes (`acr`).
    amr: Vec<&'a str>,
    acr: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    at_hash: String,
    sid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    preferred_username: Option<&'a str>,
}

/// The user side of a grant: who signed in, under which session, when.
pub struct UserContext<'a> {
    pub user: &'a users::Model,
    pub sid: &'a str,
    pub auth_time: i64,
    /// The session's RFC 8176 methods, space-separated.
    pub amr: &'a str,
    pub nonce: Option<&'a str>,
    /// The access token's `jti` when it must be one already stored (a retried
    /// rotation, see `remint_user_tokens`); otherwise a new one.
    pub jti: Option<&'a str>,
}

pub struct AccessToken {
    pub token: String,
    pub jti: String,
}

/// An access token for `scope`, naming `resource` as its audience when the client asked
/// for one (RFC 8707), else the provider's own endpoints, and bound to the DPoP key of
/// thumbprint `jkt` when the request had a proof.
pub fn access_token(
    config: &Config,
    keys: &KeySet,
    client: &Client,
    scope: &Scope,
    user: Option<&UserContext<'_>>,
    resource: Option<&str>,
    jkt: Option<&str>,
) -> Result<AccessToken, KeyError> {
    let iat = now();
    // Ordered, as the refresh token issued beside it is indexed by it (see `time_prefix`).
    let jti = user.and_then(|u| u.jti).map_or_else(new_ordered_id, str::to_owned);
    let claims = AccessClaims {
        iss: config.issuer.clone(),
        sub: user.map_or_else(|| client.id.clone(), |u| u.user.id.clone()),
        aud: resource.unwrap_or_else(|| audience(config, client)).to_owned(),
        exp: iat + config.tokens.access_token_ttl_secs,
        iat,
        jti: jti.clone(),
        client_id: client.id.clone(),
        scope: scope.to_string(),
        sid: user.map(|u| u.sid.to_owned()),
        email: user.map(|u| u.user.email.clone()),
        role: user.map(|u| u.user.role.clone()),
        cnf: jkt.map(|jkt| Confirmation { jkt: jkt.to_owned() }),
    };
    let token = keys.signer(SigningAlg::EdDSA)?.sign("at+jwt", &claims)?;
    Ok(AccessToken { token, jti })
}

/// The native API's tokens name `tokens.api_audience`; every other client's name the
/// issuer, whose endpoints they are for.
fn audience<'c>(config: &'c Config, client: &Client) -> &'c str {
    let [issuer, api] = config.access_token_audiences();
    if client.id == config.api.client_id { api } else { issuer }
}

pub fn id_token(
    config: &Config,
    keys: &KeySet,
    client: &Client,
    scope: &Scope,
    user: &UserContext<'_>,
    access_token: &str,
) -> Result<String, KeyError> {
    let alg = client.id_token_signed_response_alg.unwrap_or(config.tokens.default_id_token_alg);
    let iat = now();
    let email = scope.contains("email");
    let profile = scope.contains("profile");
    let claims = IdClaims {
        iss: &config.issuer,
        sub: &user.user.id,
        aud: &client.id,
        exp: iat + config.tokens.id_token_ttl_secs,
        iat,
        auth_time: user.auth_time,
        amr: user.amr.split_whitespace().collect(),
        acr: acr(user.amr),
        nonce: user.nonce,
        at_hash: token_hash(alg, access_token),
        sid: user.sid,
        email: email.then_some(user.user.email.as_str()),
        email_verified: email.then_some(user.user.email_verified),
        name: if profile { user.user.name.as_deref() } else { None },
        preferred_username: if profile { user.user.username.as_deref() } else { None },
    };
    keys.signer(alg)?.sign("JWT", &claims)
}

/// The authentication context class of a session: `mfa` once a second factor was
/// used (a code, or a passkey unlocked by the person), else `pwd`. These are the
/// `acr_values_supported` of the discovery document.
pub fn acr(amr: &str) -> &'static str {
    if amr.split_whitespace().any(|m| m == "otp" || m == "mfa") { ACR_MFA } else { ACR_PASSWORD }
}

pub const ACR_PASSWORD: &str = "pwd";
pub const ACR_MFA: &str = "mfa";

/// `at_hash` (OIDC Core §3.1.3.6): the left half of the hash the signature uses,
/// SHA-512 for Ed25519 as the OpenID EdDSA profile and client libraries expect.
fn token_hash(alg: SigningAlg, token: &str) -> String {
    let digest = match alg {
        SigningAlg::EdDSA => Sha512::digest(token.as_bytes()).to_vec(),
        SigningAlg::RS256 => Sha256::digest(token.as_bytes()).to_vec(),
    };
    URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2])
}
