//! Registration, sign-in, refresh, sign-out and token validation.

use std::sync::Arc;

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::json;
use utoipa::ToSchema;

use super::{
    api_client,
    dto::{LoginResponse, MfaChallenge, Success, TokenPair, UserDto, Validation},
};
use crate::{
    credits::{CreditsError, grants},
    i18n::Lang,
    keyring::KeyRing,
    security::{
        amr,
        audit::{Event, Kind},
        opaque::new_id,
        policy, recovery,
        signin::{self, SignedIn},
        token_reuse::{self, Replayed},
    },
    state::AppState,
    store::{
        StoreError,
        auth_sessions::{self, Lifetime, NewSession},
        users::NewUser,
        verification_tokens::{self, Purpose},
    },
    tokens::{
        issue::{UserGrant, issue_user_tokens},
        rotate::{Asked, RotateError, rotate},
        scope::Scope,
        verify::AccessTokenError,
    },
    web::{
        api_error::{ApiError, ErrorBody},
        cached::IfNoneMatch,
        caller::{Authorized, need},
        client_info::ClientInfo,
        json::AppJson,
    },
};

/// Scopes of tokens from the native API: the user's profile and email, no id_token.
const API_SCOPE: &str = "profile email";

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterRequest {
    email: String,
    password: String,
    name: Option<String>,
}

/// Validates a new account and hashes its password; nothing is written yet.
pub(super) async fn new_user(
    state: &AppState,
    client: &ClientInfo,
    email: &str,
    password: String,
    name: Option<String>,
    language: &Lang,
) -> Result<NewUser, ApiError> {
    state.limiter.check_address("register", client, state.config.security.rate_limit.register_per_ip).await?;
    policy::check_new_account(email, &password, None)
        .map_err(|rule| ApiError::bad_request("invalid_request", rule.message))?;
    let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if let Some(name) = &name {
        policy::check_name(name).map_err(|rule| ApiError::bad_request("invalid_request", rule.message))?;
    }
    let password_hash = state.passwords.hash(password).await?;
    Ok(NewUser {
        email: email.to_owned(),
        username: None,
        name,
        password_hash,
        language: Some(language.tag().to_owned()),
    })
}

/// 409 for an address that has an account.
pub(super) fn taken() -> ApiError {
    ApiError::conflict("email_taken", "an account with this email already exists")
}

pub(super) fn email_taken(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict(_) => taken(),
        other => other.into(),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses((status = 201, body = UserDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn register(
    State(state): State<AppState>,
    t: Lang,
    client: ClientInfo,
    AppJson(body): AppJson<RegisterRequest>,
) -> Result<Response, ApiError> {
    let new = new_user(&state, &client, &body.email, body.password, body.name, &t).await?;
    let created = Event::new(Kind::AccountCreated).from(&client);
    let user = grants::register(&state.db, &state.config.credits, new, created).await.map_err(|e| match e {
        CreditsError::Store(err) => email_taken(err),
        other => other.into(),
    })?;
    recovery::send_verification(&state.security, &user).await?;
    Ok((StatusCode::CREATED, Json(UserDto::from(&user))).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginRequest {
    email: String,
    password: String,
    device_id: Option<String>,
    device_name: Option<String>,
}

fn short(field: &str, value: Option<String>) -> Result<Option<String>, ApiError> {
    match value {
        Some(v) if v.chars().count() > 128 => {
            Err(ApiError::bad_request("invalid_request", format!("{field} has at most 128 characters")))
        }
        other => Ok(other),
    }
}

/// Signs in with email and password. With two-step verification on, the answer is
/// `{"mfaRequired": true, "mfaToken": …}` instead; `POST /api/v1/auth/mfa/verify` finishes it.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = LoginResponse), (status = 200, body = MfaChallenge),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let device = device(body.device_id, body.device_name)?;
    let user = match signin::sign_in(&state.security, "api", &body.email, body.password, false, &client).await? {
        SignedIn::Complete(user) => user,
        SignedIn::SecondStep(user) => {
            let mfa_token =
                verification_tokens::issue(&state.db, &user.id, Purpose::MfaLogin, MFA_TOKEN_TTL_SECS).await?;
            return Ok(Json(MfaChallenge { mfa_required: true, mfa_token }).into_response());
        }
    };
    Ok(Json(open_session(&state, &user, client, device, amr::PASSWORD).await?).into_response())
}

/// How long the second step of an API sign-in may take.
const MFA_TOKEN_TTL_SECS: i64 = 300;

/// The device a native app names at sign-in.
pub(super) struct Device {
    pub id: Option<String>,
    pub name: Option<String>,
}

pub(super) fn device(id: Option<String>, name: Option<String>) -> Result<Device, ApiError> {
    Ok(Device { id: short("deviceId", id)?, name: short("deviceName", name)? })
}

/// A new session for a signed-in user, with its first token pair.
pub(super) async fn open_session(
    state: &AppState,
    user: &entity::users::Model,
    client: ClientInfo,
    device: Device,
    amr: &'static str,
) -> Result<LoginResponse, ApiError> {
    let txn = state.db.begin().await?;
    let session = auth_sessions::create(
        &txn,
        NewSession {
            user_id: user.id.clone(),
            lifetime: Lifetime::of(&state.config.sessions),
            user_agent: client.user_agent,
            ip: client.ip,
            device_id: device.id,
            device_name: device.name,
            amr,
        },
    )
    .await?;
    let scope = Scope::parse(API_SCOPE).map_err(ApiError::internal)?;
    let grant = UserGrant {
        client: &api_client(&state.config),
        user,
        granted: &scope,
        scope: &scope,
        sid: &session.id,
        auth_time: session.auth_time,
        amr: &session.amr,
        nonce: None,
        family_id: &new_id(),
        resource: None,
        dpop_jkt: None,
    };
    let issued = issue_user_tokens(&state.config, &state.keys.current(), &txn, grant).await?;
    txn.commit().await?;
    state.metrics.tokens_issued.with_label_values(&["api_login"]).inc();
    Ok(LoginResponse { tokens: issued.into(), user: UserDto::from(user) })
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    refresh_token: String,
}

/// Rotates the refresh token; a reused one ends its whole session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses((status = 200, body = TokenPair), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn refresh(
    State(state): State<AppState>,
    caller: ClientInfo,
    AppJson(body): AppJson<RefreshRequest>,
) -> Result<Json<TokenPair>, ApiError> {
    let client = api_client(&state.config);
    match rotate(&state.config, &state.keys.current(), &state.db, &client, &body.refresh_token, Asked::default()).await
    {
        Ok(issued) => {
            state.metrics.tokens_issued.with_label_values(&["api_refresh"]).inc();
            Ok(Json(issued.into()))
        }
        Err(RotateError::Reused { family_id, session_id, user_id }) => {
            let replayed = Replayed {
                family_id: &family_id,
                user_id: &user_id,
                client_id: &client.id,
                end_session: session_id.as_deref(),
            };
            token_reuse::contain(&state.security, replayed, &caller).await?;
            Err(ApiError::unauthorized(
                "invalid_refresh_token",
                "the refresh token was already used; the session has ended",
            ))
        }
        Err(RotateError::Invalid | RotateError::WrongKey | RotateError::InvalidScope(_)) => {
            Err(ApiError::unauthorized("invalid_refresh_token", "the refresh token is invalid, expired or revoked"))
        }
        Err(RotateError::Token(err)) => Err(err.into()),
    }
}

#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = Success), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn logout(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
) -> Result<Json<Success>, ApiError> {
    let txn = state.db.begin().await?;
    if auth_sessions::end(&txn, &caller.sid).await? {
        let event = Event::new(Kind::SignedOut).user(caller.user_id.as_str()).client(&caller.client_id).from(&client);
        event.details(json!({ "session": caller.sid })).write(&txn).await?;
    }
    txn.commit().await?;
    Ok(Success::ok())
}

#[derive(Deserialize, ToSchema)]
pub struct ValidateRequest {
    token: String,
}

/// For backends that cannot verify locally: the same checks as JWKS verification, plus
/// that the session is still active.
#[utoipa::path(post, path = "/api/v1/auth/validate", tag = "auth", request_body = ValidateRequest,
    responses((status = 200, body = Validation), (status = 400, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn validate(
    State(state): State<AppState>,
    AppJson(body): AppJson<ValidateRequest>,
) -> Result<Json<Validation>, ApiError> {
    match state.verify_access_token(&body.token, &state.config.access_token_audiences()).await {
        Ok(claims) => {
            let payload = serde_json::to_value(claims).map_err(ApiError::internal)?;
            Ok(Json(Validation { valid: true, payload: Some(payload), reason: None }))
        }
        Err(AccessTokenError::Invalid(reason)) => {
            Ok(Json(Validation { valid: false, payload: None, reason: Some(reason) }))
        }
        Err(AccessTokenError::Store(err)) => Err(err.into()),
    }
}

/// The same key set as `/.well-known/jwks.json`.
#[utoipa::path(get, path = "/api/v1/auth/jwks", tag = "auth", responses((status = 200, description = "JWK Set (RFC 7517)")))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn jwks(State(keys): State<Arc<KeyRing>>, if_none_match: IfNoneMatch) -> Response {
    keys.published().respond(if_none_match)
}
