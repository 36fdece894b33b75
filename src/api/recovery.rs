//! Password reset and email verification for apps: the same mailed links as the pages.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use utoipa::ToSchema;

use super::dto::Success;
use crate::{
    security::recovery::{self, RecoveryError},
    state::AppState,
    store::users,
    web::{
        api_error::{ApiError, ErrorBody},
        caller::{Authorized, need},
        client_info::ClientInfo,
        json::AppJson,
    },
};

impl From<RecoveryError> for ApiError {
    fn from(err: RecoveryError) -> Self {
        match err {
            RecoveryError::InvalidToken => {
                ApiError::bad_request("invalid_token", "the token is invalid, expired or already used")
            }
            RecoveryError::WeakPassword(rule) => ApiError::bad_request("invalid_request", rule.message),
            RecoveryError::Throttled(throttled) => throttled.into(),
            RecoveryError::Store(err) => err.into(),
            RecoveryError::Password(err) => err.into(),
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct ForgotPassword {
    email: String,
}

/// Mails a reset link if the address has an account. The answer is 202 either way.
#[utoipa::path(post, path = "/api/v1/auth/password/forgot", tag = "account", request_body = ForgotPassword,
    responses((status = 202, body = Success), (status = 400, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn forgot_password(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<ForgotPassword>,
) -> Result<Response, ApiError> {
    recovery::request_reset(&state.security, body.email.trim(), &client).await?;
    Ok((StatusCode::ACCEPTED, Success::ok()).into_response())
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResetPassword {
    /// The token from the mailed link.
    token: String,
    new_password: String,
}

/// Sets a new password with a mailed token; every session ends, every refresh token is revoked.
#[utoipa::path(post, path = "/api/v1/auth/password/reset", tag = "account", request_body = ResetPassword,
    responses((status = 200, body = Success), (status = 400, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_password(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<ResetPassword>,
) -> Result<Json<Success>, ApiError> {
    recovery::reset_password(&state.security, &body.token, body.new_password, &client).await?;
    Ok(Success::ok())
}

#[derive(Deserialize, ToSchema)]
pub struct VerifyEmail {
    /// The token from the mailed link.
    token: String,
}

#[utoipa::path(post, path = "/api/v1/auth/email/verify", tag = "account", request_body = VerifyEmail,
    responses((status = 200, body = Success), (status = 400, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn verify_email(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<VerifyEmail>,
) -> Result<Json<Success>, ApiError> {
    recovery::verify_email(&state.security, &body.token, &client).await?;
    Ok(Success::ok())
}

/// Mails the caller a new confirmation link, unless the address is confirmed already.
#[utoipa::path(post, path = "/api/v1/auth/email/resend", tag = "account", security(("bearer" = [])),
    responses((status = 202, body = Success), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn resend_verification(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
) -> Result<Response, ApiError> {
    let limits = &state.config.security.rate_limit;
    state.limiter.check_address("reset", &client, limits.reset_per_ip).await?;
    let user = users::find(&state.db, &caller.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "the account no longer exists"))?;
    if !user.email_verified {
        recovery::send_verification(&state.security, &user).await?;
    }
    Ok((StatusCode::ACCEPTED, Success::ok()).into_response())
}
