//! Token endpoint (RFC 6749 §3.2, OIDC Core §3.1.3): authenticates the client and
//! dispatches on `grant_type`, one file per grant under `grant/`.

use std::sync::Arc;

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderValue, header},
    response::{IntoResponse, Json, Response},
};
use serde::{Deserialize, Serialize};

use super::client_metadata::find_client;
use super::{device, error::OAuthError, grant};
use crate::{
    dpop::{
        self, DPOP_NONCE, DpopError, nonce,
        proof::{Expected, Proof},
    },
    security::limits::Subject,
    state::AppState,
    store::{clients::Client, now},
    web::{
        client_auth::{AuthMethod, ClientAuthError, presented_client},
        client_info::ClientInfo,
        input,
    },
};

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
    pub refresh_token: Option<String>,
    pub scope: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub device_code: Option<String>,
    /// The resource the access token is for (RFC 8707).
    pub resource: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: &'static str,
    pub expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_token: Option<String>,
    pub scope: String,
}

impl From<crate::tokens::issue::IssuedTokens> for TokenResponse {
    fn from(issued: crate::tokens::issue::IssuedTokens) -> Self {
        TokenResponse {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
            refresh_token: issued.refresh_token,
            id_token: issued.id_token,
            scope: issued.scope,
        }
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn token(State(state): State<AppState>, caller: ClientInfo, headers: HeaderMap, body: Bytes) -> Response {
    let mut response = match exchange(&state, &caller, &headers, &body).await {
        Ok(tokens) => no_store(Json(tokens).into_response()),
        Err(err) => err.into_response(),
    };
    if state.config.oauth.require_dpop_nonce && !response.headers().contains_key(DPOP_NONCE) {
        // The nonce for the next request, given with every answer (RFC 9449 §8.2).
        if let Ok(nonce) = HeaderValue::from_str(&nonce::current(&state.keys.current(), now())) {
            response.headers_mut().insert(DPOP_NONCE, nonce);
        }
    }
    response
}

/// Marks an answer that holds secrets as never to be cached.
pub fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

async fn exchange(
    state: &AppState,
    caller: &ClientInfo,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<TokenResponse, OAuthError> {
    let limits = &state.config.security.rate_limit;
    state.limiter.check_address("token", caller, limits.token_per_ip).await?;
    let form: TokenForm = parse_form(body)?;
    let client = authenticate_client(state, headers, form.client_id.as_deref(), form.client_secret.as_deref()).await?;
    state.limiter.check("token", Subject::Client(&client.id), limits.token_per_client).await?;
    let grant_type = form.grant_type.as_deref().ok_or_else(|| OAuthError::invalid_request("grant_type is missing"))?;
    let proof = dpop_proof(state, headers, "/token", client.dpop_bound_access_tokens).await?;
    let jkt = proof.as_ref().map(|p| p.jkt.as_str());
    let mut response = match grant_type {
        "authorization_code" => grant::authorization_code::exchange(state, &client, &form, jkt).await,
        "refresh_token" => grant::refresh_token::exchange(state, &client, &form, caller, jkt).await,
        "client_credentials" => grant::client_credentials::exchange(state, &client, &form, jkt).await,
        device::GRANT_TYPE => grant::device_code::exchange(state, &client, &form, caller, jkt).await,
        other => Err(OAuthError::unsupported_grant_type(format!("grant_type `{other}` is not supported"))),
    }?;
    if proof.is_some() {
        response.token_type = "DPoP";
    }
    state.metrics.tokens_issued.with_label_values(&[grant_type]).inc();
    Ok(response)
}

/// The request's DPoP proof for the endpoint at `path` (RFC 9449 §5, §10.1), checked;
/// an error without one when `required` (a client registered with
/// `dpop_bound_access_tokens`).
pub(super) async fn dpop_proof(
    state: &AppState,
    headers: &HeaderMap,
    path: &str,
    required: bool,
) -> Result<Option<Proof>, OAuthError> {
    let invalid = |why: String| OAuthError::bad_request("invalid_dpop_proof", why);
    let Some(proof) = dpop::proof_of(headers).map_err(|e| invalid(e.to_string()))? else {
        return if required { Err(invalid("this client must send a DPoP proof".into())) } else { Ok(None) };
    };
    let htu = format!("{}{path}", state.config.issuer_base());
    let expected = Expected { htm: "POST", htu: &htu, access_token: None };
    match dpop::check(state, proof, &expected, state.config.oauth.require_dpop_nonce).await {
        Ok(proof) => Ok(Some(proof)),
        Err(DpopError::UseNonce(nonce)) => Err(OAuthError {
            dpop_nonce: Some(nonce),
            ..OAuthError::bad_request("use_dpop_nonce", "the DPoP proof must carry the nonce of the DPoP-Nonce header")
        }),
        Err(DpopError::Store(err)) => Err(err.into()),
        Err(err @ DpopError::Invalid(_)) => Err(invalid(err.to_string())),
    }
}

/// Parses an `application/x-www-form-urlencoded` body; repeated or malformed parameters,
/// and control characters in any of them, are refused.
pub fn parse_form<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, OAuthError> {
    input::urlencoded(body).map_err(|refusal| OAuthError::invalid_request(refusal.message))
}

/// Client authentication (RFC 6749 §2.3): a confidential client proves its secret,
/// compared with the stored SHA-256 digest in constant time; a public client only names itself.
pub async fn authenticate_client(
    state: &AppState,
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<Arc<Client>, OAuthError> {
    let presented = presented_client(headers, form_id, form_secret).map_err(|e| match e {
        ClientAuthError::Malformed => OAuthError::invalid_request("malformed or conflicting client credentials"),
        ClientAuthError::Missing => OAuthError::invalid_client("client authentication required"),
    })?;
    let failed = || OAuthError::invalid_client("client authentication failed");
    let client = find_client(state, &presented.id).await?.ok_or_else(failed)?;
    let authenticated = match (&client.secret_hash, &presented.secret) {
        (Some(stored), Some(secret)) => crate::security::opaque::matches_digest(secret, stored),
        (None, None) => presented.method == AuthMethod::None,
        _ => false,
    };
    if authenticated { Ok(client) } else { Err(failed()) }
}
