//! The caller's own account: profile, password, sessions, deletion.

use axum::{Json, extract::State, http::StatusCode};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::dto::{SecurityEventsPage, SessionDto, Success, UserDto};
use crate::{
    oidc::backchannel::notify_clients_of,
    security::{
        erasure::{self, By, ErasureError},
        mfa::MfaError,
        self_service::{self, ProfileChange, SelfServiceError},
    },
    state::AppState,
    store::{self, auth_sessions, security_events::Filter, users},
    web::{
        api_error::{ApiError, ErrorBody},
        caller::{Authorized, Caller, need},
        client_info::ClientInfo,
        json::AppJson,
        params::{AppPath, AppQuery},
    },
};

impl From<ErasureError> for ApiError {
    fn from(err: ErasureError) -> Self {
        match err {
            ErasureError::SoleOwner(_) => ApiError::conflict("sole_owner", err.to_string()),
            ErasureError::Posting(err) => ApiError::internal(err),
            ErasureError::Store(err) => err.into(),
        }
    }
}

impl From<SelfServiceError> for ApiError {
    fn from(err: SelfServiceError) -> Self {
        match err {
            SelfServiceError::WrongPassword => ApiError::unauthorized("invalid_credentials", err.to_string()),
            SelfServiceError::Invalid(rule) => ApiError::bad_request("invalid_request", rule.message),
            SelfServiceError::UsernameTaken => ApiError::conflict("username_taken", err.to_string()),
            SelfServiceError::Throttled(throttled) => throttled.into(),
            SelfServiceError::Password(err) => err.into(),
            SelfServiceError::Store(err) => err.into(),
        }
    }
}

pub(super) async fn caller_account(state: &AppState, caller: &Caller) -> Result<entity::users::Model, ApiError> {
    users::find(&state.db, &caller.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "unknown user"))
}

#[utoipa::path(get, path = "/api/v1/auth/me", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = UserDto), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn me(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Account>,
) -> Result<Json<UserDto>, ApiError> {
    Ok(Json(UserDto::from(&caller_account(&state, &caller).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateMe {
    name: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/auth/me", tag = "account", security(("bearer" = [])), request_body = UpdateMe,
    responses((status = 200, body = UserDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn update_me(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
    AppJson(body): AppJson<UpdateMe>,
) -> Result<Json<UserDto>, ApiError> {
    let user = caller_account(&state, &caller).await?;
    let change = ProfileChange { name: body.name, username: None };
    self_service::update_profile(&state.db, &user, change, &client).await?;
    Ok(Json(UserDto::from(&caller_account(&state, &caller).await?)))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteMe {
    password: String,
    /// A code from the authenticator, or a recovery code, when two-step verification is on.
    code: Option<String>,
}

/// Deletes the caller's account: every session ends, every token is revoked (clients
/// with back-channel logout are told), personal data is erased and the wallets are
/// closed. Refused with 409 while the caller is the only owner of an organization that
/// has other members.
#[utoipa::path(delete, path = "/api/v1/auth/me", tag = "account", security(("bearer" = [])), request_body = DeleteMe,
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete_me(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
    AppJson(body): AppJson<DeleteMe>,
) -> Result<StatusCode, ApiError> {
    let user = caller_account(&state, &caller).await?;
    erasure::confirm_holder(&state.security, &user, body.password, body.code.as_deref(), &client).await.map_err(
        |err| match err {
            MfaError::WrongPassword => ApiError::unauthorized("invalid_credentials", "the password is wrong"),
            MfaError::CodeRequired => ApiError::unauthorized("mfa_required", err.to_string()),
            other => other.into(),
        },
    )?;
    let ended = erasure::erase(&state.db, &user.id, By::User).await?;
    notify_clients_of(&state, &ended, &user.id).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChangePassword {
    current_password: String,
    new_password: String,
}

/// Changes the password and ends every other session of the user.
#[utoipa::path(post, path = "/api/v1/auth/password", tag = "account", security(("bearer" = [])), request_body = ChangePassword,
    responses((status = 200, body = Success), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn change_password(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
    AppJson(body): AppJson<ChangePassword>,
) -> Result<Json<Success>, ApiError> {
    let user = caller_account(&state, &caller).await?;
    let (current, new) = (body.current_password, body.new_password);
    let ended = self_service::change_password(&state.security, &user, current, new, Some(&caller.sid), &client).await?;
    notify_clients_of(&state, &ended, &user.id).await;
    Ok(Success::ok())
}

#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "account", security(("bearer" = [])),
    responses((status = 200, body = Vec<SessionDto>), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sessions(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Account>,
) -> Result<Json<Vec<SessionDto>>, ApiError> {
    let sessions = auth_sessions::list_active(&state.db, &caller.user_id).await?;
    Ok(Json(sessions.into_iter().map(|s| SessionDto::new(s, &caller.sid)).collect()))
}

#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "account", security(("bearer" = [])),
    params(("id" = String, Path, description = "session id")),
    responses((status = 200, body = Success), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_session(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
    AppPath(id): AppPath<String>,
) -> Result<Json<Success>, ApiError> {
    if !self_service::end_session(&state.db, &caller.user_id, &id, &client).await? {
        return Err(ApiError::not_found("no such session"));
    }
    notify_clients_of(&state, &[id], &caller.user_id).await;
    Ok(Success::ok())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// At most this many events (1–200, default 50).
    limit: Option<u64>,
    /// Only events older than this id: the `next` of the previous page.
    before: Option<String>,
}

/// The caller's own audit trail, newest first: sign-ins and failures, lockouts,
/// sign-outs, refresh-token reuse, password changes.
#[utoipa::path(get, path = "/api/v1/auth/security-events", tag = "account", security(("bearer" = [])),
    params(EventsQuery),
    responses((status = 200, body = SecurityEventsPage), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn security_events(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Account>,
    AppQuery(query): AppQuery<EventsQuery>,
) -> Result<Json<SecurityEventsPage>, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::bad_request("invalid_request", "limit must be from 1 to 200"));
    }
    let filter = Filter { user_id: Some(caller.user_id), before: query.before, limit, ..Filter::default() };
    let events = store::security_events::list(&state.db, filter).await?;
    let next = (events.len() as u64 == limit).then(|| events.last().map(|e| e.id.clone())).flatten();
    Ok(Json(SecurityEventsPage { events: events.into_iter().map(Into::into).collect(), next }))
}
