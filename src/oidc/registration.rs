//! Dynamic Client Registration (RFC 7591) at `/register`, and its management protocol
//! (RFC 7592) at `/register/{client_id}`: a client registers itself with its metadata,
//! gets its id, secret and a registration access token, and reads, replaces or deletes
//! its registration with that token. `[registration] mode` says who may register.

use axum::{
    Json,
    body::Bytes,
    extract::{Path, State},
    http::{HeaderMap, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use super::{error::OAuthError, token::no_store};
use crate::{
    config::{ClientConfig, GRANT_TYPES, RegistrationMode, Secret, SigningAlg, validate_client, validate_redirect_uri},
    security::{
        audit::{Event, Kind},
        client::ClientInfo,
        opaque::{digest, matches_digest, new_id, new_secret},
    },
    state::AppState,
    store::{
        clients::{self, Client, REGISTERED},
        initial_access_tokens, now,
    },
    web::{bearer::bearer_token, input, no_route},
};

const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];

/// The metadata a client registers with (RFC 7591 §2); unknown fields are ignored.
#[derive(Deserialize)]
pub(super) struct Metadata {
    #[serde(default)]
    redirect_uris: Vec<String>,
    pub(super) token_endpoint_auth_method: Option<String>,
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
    client_name: Option<String>,
    #[serde(default)]
    post_logout_redirect_uris: Vec<String>,
    backchannel_logout_uri: Option<String>,
    id_token_signed_response_alg: Option<String>,
    /// Its token requests will always carry a DPoP proof (RFC 9449 §5.2).
    #[serde(default)]
    dpop_bound_access_tokens: bool,
    /// In a replacement (RFC 7592 §2.2), and in a metadata document: the client's own id.
    pub(super) client_id: Option<String>,
}

pub(super) fn invalid_metadata(description: impl Into<String>) -> OAuthError {
    OAuthError::bad_request("invalid_client_metadata", description)
}

/// A URI a registered client may name: one a declared client may name
/// (`validate_redirect_uri`), and https, or http on the loopback interface for a native
/// app (RFC 8252 §7.3).
fn check_web_uri(uri: &str) -> Result<(), String> {
    validate_redirect_uri(uri).map_err(|problem| format!("`{uri}` {problem}"))?;
    let url = Url::parse(uri).map_err(|e| e.to_string())?;
    let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
    if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
        Ok(())
    } else {
        Err(format!("`{uri}` must be https (http only on the loopback interface)"))
    }
}

/// The checked configuration of client `id` from `metadata`, and whether it is public.
pub(super) fn client_config(id: &str, metadata: Metadata) -> Result<(ClientConfig, bool), OAuthError> {
    let method = metadata.token_endpoint_auth_method.as_deref().unwrap_or("client_secret_basic");
    if !AUTH_METHODS.contains(&method) {
        return Err(invalid_metadata(format!("token_endpoint_auth_method must be one of {}", AUTH_METHODS.join(", "))));
    }
    let grant_types = metadata.grant_types.unwrap_or_else(|| vec!["authorization_code".into()]);
    if let Some(unknown) = grant_types.iter().find(|g| !GRANT_TYPES.contains(&g.as_str())) {
        return Err(invalid_metadata(format!("grant type `{unknown}` is not supported")));
    }
    let code_flow = grant_types.iter().any(|g| g == "authorization_code");
    // ["code"] for the code flow; nothing (or nothing said) without it.
    if metadata.response_types.is_some_and(|types| types != ["code"] && (code_flow || !types.is_empty())) {
        return Err(invalid_metadata("response_types must be [\"code\"]"));
    }
    for uri in &metadata.redirect_uris {
        check_web_uri(uri).map_err(|why| OAuthError::bad_request("invalid_redirect_uri", why))?;
    }
    for uri in metadata.post_logout_redirect_uris.iter().chain(&metadata.backchannel_logout_uri) {
        check_web_uri(uri).map_err(invalid_metadata)?;
    }
    let id_token_signed_response_alg = match metadata.id_token_signed_response_alg.as_deref() {
        Some(alg) => Some(
            SigningAlg::parse(alg)
                .ok_or_else(|| invalid_metadata("id_token_signed_response_alg must be EdDSA or RS256"))?,
        ),
        None => None,
    };
    if metadata.client_name.as_ref().is_some_and(|name| name.chars().count() > 100) {
        return Err(invalid_metadata("client_name has at most 100 characters"));
    }
    let public = method == "none";
    let config = ClientConfig {
        id: id.to_owned(),
        // Stands for the secret while checking; the real one is made at registration.
        secret: (!public).then(|| Secret::new("registered")),
        redirect_uris: metadata.redirect_uris,
        post_logout_redirect_uris: metadata.post_logout_redirect_uris,
        name: metadata.client_name,
        skip_consent: false,
        grant_types,
        backchannel_logout_uri: metadata.backchannel_logout_uri,
        id_token_signed_response_alg,
        introspection: false,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: metadata.dpop_bound_access_tokens,
        resources: None,
    };
    validate_client("client", &config).map_err(|e| invalid_metadata(e.to_string()))?;
    Ok((config, public))
}

/// A client's registration as RFC 7591 §3.2.1 answers it; secrets are added by the caller.
fn registration_json(state: &AppState, client: &Client, created_at: i64) -> Value {
    let method = if client.is_public() { "none" } else { "client_secret_basic" };
    let mut body = json!({
        "client_id": client.id,
        "client_id_issued_at": created_at,
        "client_name": client.name,
        "redirect_uris": client.redirect_uris,
        "post_logout_redirect_uris": client.post_logout_redirect_uris,
        "grant_types": client.grant_types,
        "response_types": if client.allows_grant("authorization_code") { vec!["code"] } else { vec![] },
        "token_endpoint_auth_method": method,
        "registration_client_uri": format!("{}/register/{}", state.config.issuer_base(), client.id),
    });
    if let Some(uri) = &client.backchannel_logout_uri {
        body["backchannel_logout_uri"] = json!(uri);
    }
    if let Some(alg) = client.id_token_signed_response_alg {
        body["id_token_signed_response_alg"] = json!(alg.as_str());
    }
    if client.dpop_bound_access_tokens {
        body["dpop_bound_access_tokens"] = json!(true);
    }
    body
}

fn metadata_of(headers: &HeaderMap, body: &[u8]) -> Result<Metadata, OAuthError> {
    if !input::has_media_type(headers, "application/json") {
        return Err(invalid_metadata("the body must be application/json"));
    }
    input::json(body).map_err(|refusal| invalid_metadata(refusal.message))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn register(
    State(state): State<AppState>,
    uri: Uri,
    caller: ClientInfo,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if state.config.registration.mode == RegistrationMode::Off {
        return no_route::not_found(uri).await;
    }
    match register_client(&state, &caller, &headers, &body).await {
        Ok(answer) => no_store((StatusCode::CREATED, Json(answer)).into_response()),
        Err(err) => err.into_response(),
    }
}

async fn register_client(
    state: &AppState,
    caller: &ClientInfo,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, OAuthError> {
    state.limiter.check_address("register_client", caller, state.config.security.rate_limit.register_per_ip).await?;
    let metadata = metadata_of(headers, body)?;
    if state.config.registration.mode == RegistrationMode::Token {
        let token =
            bearer_token(headers).ok_or_else(|| OAuthError::invalid_token("an initial access token is required"))?;
        if !initial_access_tokens::redeem(&state.db, token).await? {
            return Err(OAuthError::invalid_token("the initial access token is invalid, expired or used"));
        }
    }
    let (config, public) = client_config(&new_id(), metadata)?;
    let secret = (!public).then(new_secret);
    let registration_token = new_secret();
    let mut client = Client::from_config(&config, REGISTERED);
    client.secret_hash = secret.as_deref().map(digest);
    client.registration_token_hash = Some(digest(&registration_token));
    clients::insert(&state.db, &client).await?;
    Event::new(Kind::ClientAdded)
        .client(&client.id)
        .from(caller)
        .details(json!({ "by": "registration" }))
        .record(&state.db)
        .await;
    let mut answer = registration_json(state, &client, now());
    answer["registration_access_token"] = json!(registration_token);
    if let Some(secret) = secret {
        answer["client_secret"] = json!(secret);
        answer["client_secret_expires_at"] = json!(0);
    }
    Ok(answer)
}

/// The registered client the request's registration access token manages; every failure
/// answers alike, so the answer tells nothing about which clients exist (RFC 7592 §2).
async fn managed(state: &AppState, headers: &HeaderMap, id: &str) -> Result<Client, OAuthError> {
    let refused = || OAuthError::invalid_token("the registration access token is invalid");
    let token = bearer_token(headers).ok_or_else(refused)?;
    let client = clients::find(&state.db, id).await?.filter(|c| !c.disabled).ok_or_else(refused)?;
    match &client.registration_token_hash {
        Some(stored) if matches_digest(token, stored) => Ok(client),
        _ => Err(refused()),
    }
}

async fn created_at(state: &AppState, id: &str) -> Result<i64, OAuthError> {
    Ok(clients::created_at(&state.db, id).await?.unwrap_or_default())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn read(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let answer = async {
        let client = managed(&state, &headers, &id).await?;
        Ok::<_, OAuthError>(registration_json(&state, &client, created_at(&state, &id).await?))
    };
    match answer.await {
        Ok(body) => no_store(Json(body).into_response()),
        Err(err) => err.into_response(),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn replace(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let answer = async {
        let current = managed(&state, &headers, &id).await?;
        let metadata = metadata_of(&headers, &body)?;
        if metadata.client_id.as_deref() != Some(id.as_str()) {
            return Err(invalid_metadata("client_id must name this client"));
        }
        let (config, public) = client_config(&id, metadata)?;
        if public != current.is_public() {
            return Err(invalid_metadata("token_endpoint_auth_method cannot change between none and a secret"));
        }
        let client = Client::from_config(&config, REGISTERED);
        clients::replace(&state.db, &client, &[clients::REGISTERED]).await?;
        state.clients.forget(&id);
        let stored =
            clients::find(&state.db, &id).await?.ok_or_else(|| OAuthError::invalid_token("the client is gone"))?;
        Ok(registration_json(&state, &stored, created_at(&state, &id).await?))
    };
    match answer.await {
        Ok(body) => no_store(Json(body).into_response()),
        Err(err) => err.into_response(),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(State(state): State<AppState>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let answer = async {
        managed(&state, &headers, &id).await?;
        clients::remove(&state.db, &id).await?;
        state.clients.forget(&id);
        Event::new(Kind::ClientRemoved).client(&id).details(json!({ "by": "registration" })).record(&state.db).await;
        Ok::<_, OAuthError>(())
    };
    match answer.await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(err) => err.into_response(),
    }
}
