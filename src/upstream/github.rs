//! GitHub, which speaks OAuth 2.0 but not OpenID Connect: the code flow with PKCE at
//! its web address, then who signed in from its REST API (`/user`), with the address
//! it has verified as the person's primary one (`/user/emails`). The subject is the
//! account's number, which stays when the login name changes.

use axum::http::header;
use openidconnect::{CsrfToken, PkceCodeChallenge};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use url::Url;

use super::{Begun, Identity, UpstreamError, claims, http, tokens::Tokens};
use crate::config::{GITHUB_API_URL, UpstreamConfig};

fn endpoint(config: &UpstreamConfig, path: &str) -> Result<Url, UpstreamError> {
    let base = config.issuer().trim_end_matches('/');
    Url::parse(&format!("{base}{path}")).map_err(|e| UpstreamError::Unreachable(e.to_string()))
}

pub fn begin(config: &UpstreamConfig, redirect_uri: &str) -> Result<Begun, UpstreamError> {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let state = CsrfToken::new_random().secret().clone();
    let mut url = endpoint(config, "/login/oauth/authorize")?;
    url.query_pairs_mut()
        .append_pair("client_id", &config.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &config.scopes().join(" "))
        .append_pair("state", &state)
        .append_pair("code_challenge", challenge.as_str())
        .append_pair("code_challenge_method", "S256");
    // GitHub sends no id_token, so there is no nonce to check.
    Ok(Begun { url: url.to_string(), state, nonce: String::new(), verifier: verifier.secret().clone() })
}

/// GitHub's token answer: 200 with either a token or an error.
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    token_type: Option<String>,
    scope: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Email {
    email: String,
    primary: bool,
    verified: bool,
}

pub async fn finish(
    config: &UpstreamConfig,
    http: &http::Bounded,
    redirect_uri: &str,
    code: &str,
    verifier: &str,
) -> Result<(Identity, Tokens), UpstreamError> {
    let unreachable = |what: &str, e: &dyn std::fmt::Display| UpstreamError::Unreachable(format!("{what}: {e}"));
    let form = [
        ("client_id", config.client_id.as_str()),
        ("client_secret", config.client_secret.expose()),
        ("code", code),
        ("redirect_uri", redirect_uri),
        ("code_verifier", verifier),
    ];
    let response = http
        .client()
        .post(endpoint(config, "/login/oauth/access_token")?)
        .header(header::ACCEPT, "application/json")
        .form(&form)
        .send()
        .await
        .map_err(|e| unreachable("token endpoint", &e))?;
    let status = response.status();
    let body = http::body_within(response, 64 * 1024).await.map_err(|e| unreachable("token endpoint", &e))?;
    let answer: TokenAnswer = serde_json::from_slice(&body)
        .map_err(|e| unreachable("token endpoint", &format!("{status}, no token answer: {e}")))?;
    let token = match (answer.access_token, answer.error) {
        (Some(token), None) if status.is_success() => token,
        (_, Some(error)) => {
            let description = answer.error_description.unwrap_or_default();
            return Err(UpstreamError::Refused(format!("{error} {description}").trim().to_owned()));
        }
        _ => return Err(unreachable("token endpoint", &status)),
    };
    let api = config.api_url.as_deref().unwrap_or(GITHUB_API_URL).trim_end_matches('/');
    let user = http::get_json(http, &format!("{api}/user"), &token).await.map_err(|e| unreachable("/user", &e))?;
    let emails = http::get_json(http, &format!("{api}/user/emails"), &token)
        .await
        .map_err(|e| unreachable("/user/emails", &e))?;
    let emails: Vec<Email> = serde_json::from_value(emails).map_err(|e| unreachable("/user/emails", &e))?;
    let identity = claims::identity(config, config.issuer(), &as_claims(user, &emails)?)?;
    let token_type = answer.token_type.unwrap_or_else(|| "bearer".into());
    // GitHub separates scopes with commas.
    let scope = answer.scope.map(|scope| scope.replace(',', " "));
    Ok((identity, Tokens { access_token: token, token_type, expires_at: None, scope }))
}

/// GitHub's user as claims: its fields, with `sub` (the number), `preferred_username`
/// (the login name) and the primary address, verified or not.
fn as_claims(user: Value, emails: &[Email]) -> Result<Map<String, Value>, UpstreamError> {
    let Value::Object(mut claims) = user else {
        return Err(UpstreamError::Unreachable("/user answered no JSON object".into()));
    };
    let id = claims.get("id").and_then(Value::as_u64).ok_or_else(|| UpstreamError::Invalid("no user id".into()))?;
    claims.insert("sub".into(), json!(id.to_string()));
    if let Some(login) = claims.get("login").cloned() {
        claims.insert("preferred_username".into(), login);
    }
    // `/user`'s `email` is only the public one; the primary address is the person's.
    claims.remove("email");
    if let Some(primary) = emails.iter().find(|e| e.primary) {
        claims.insert("email".into(), json!(primary.email));
        claims.insert("email_verified".into(), json!(primary.verified));
    }
    Ok(claims)
}
