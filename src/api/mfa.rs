//! The second step of an API sign-in with two-step verification on.

use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::ToSchema;

use super::{
    auth::{device, open_session},
    dto::LoginResponse,
};
use crate::{
    security::{mfa::MfaError, signin::second_step},
    state::AppState,
    store::verification_tokens::{self, Purpose},
    web::{
        api_error::{ApiError, ErrorBody},
        client_info::ClientInfo,
        json::AppJson,
    },
};

impl From<MfaError> for ApiError {
    fn from(err: MfaError) -> Self {
        match err {
            MfaError::WrongCode => ApiError::unauthorized("invalid_code", "the code is wrong or was already used"),
            MfaError::Throttled(throttled) => throttled.into(),
            MfaError::Store(err) => err.into(),
            MfaError::Password(err) => err.into(),
            other => ApiError::bad_request("invalid_request", other.to_string()),
        }
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MfaVerify {
    /// From the login answer `{"mfaRequired": true, "mfaToken": …}`.
    mfa_token: String,
    /// A 6-digit code from the authenticator, or a recovery code.
    code: String,
    device_id: Option<String>,
    device_name: Option<String>,
}

fn invalid_token() -> ApiError {
    ApiError::unauthorized("invalid_mfa_token", "the sign-in has expired or was finished; sign in again")
}

/// Finishes a sign-in: the mfaToken (single use, five minutes) and a code.
#[utoipa::path(post, path = "/api/v1/auth/mfa/verify", tag = "auth", request_body = MfaVerify,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn verify(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<MfaVerify>,
) -> Result<Json<LoginResponse>, ApiError> {
    let device = device(body.device_id, body.device_name)?;
    let user_id =
        verification_tokens::peek(&state.db, &body.mfa_token, Purpose::MfaLogin).await?.ok_or_else(invalid_token)?;
    let user = second_step(&state.security, "api", &user_id, &body.code, &client).await?;
    // The token is used up only by a right code, and only once.
    if verification_tokens::redeem(&state.db, &body.mfa_token, Purpose::MfaLogin).await?.is_none() {
        return Err(invalid_token());
    }
    Ok(Json(open_session(&state, &user, client, device, "pwd otp").await?))
}
