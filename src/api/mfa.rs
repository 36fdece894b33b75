//! The second step of an API sign-in with two-step verification on: a code, or one
//! of the account's passkeys.

use axum::{Json, extract::State};
use serde::Deserialize;
use utoipa::ToSchema;

use webauthn_rs::prelude::PublicKeyCredential;

use super::{
    auth::{device, open_session},
    dto::LoginResponse,
    passkeys::{CeremonyOptions, relying_party},
};
use crate::{
    security::{
        amr,
        mfa::MfaError,
        signin::{second_step, second_step_with_passkey},
    },
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
    Ok(Json(open_session(&state, &user, client, device, amr::PASSWORD_AND_CODE).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasskeyStepOptions {
    mfa_token: String,
}

/// Begins the second step with one of the account's passkeys instead of a code.
#[utoipa::path(post, path = "/api/v1/auth/mfa/passkey/options", tag = "auth", request_body = PasskeyStepOptions,
    responses((status = 200, body = CeremonyOptions), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn passkey_options(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<PasskeyStepOptions>,
) -> Result<Json<CeremonyOptions>, ApiError> {
    let rp = relying_party(&state)?;
    let user_id =
        verification_tokens::peek(&state.db, &body.mfa_token, Purpose::MfaLogin).await?.ok_or_else(invalid_token)?;
    let (flow_id, public_key) = rp.start_second_step(&state.security, &user_id, &client).await?;
    Ok(Json(CeremonyOptions::new(flow_id, public_key)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasskeyStep {
    mfa_token: String,
    flow_id: String,
    /// AuthenticationResponseJSON (WebAuthn Level 3): `credential.toJSON()` in the browser.
    #[schema(value_type = Object)]
    credential: PublicKeyCredential,
    device_id: Option<String>,
    device_name: Option<String>,
}

/// Finishes a sign-in with a passkey as the second step: the login answer.
#[utoipa::path(post, path = "/api/v1/auth/mfa/passkey", tag = "auth", request_body = PasskeyStep,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn passkey(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<PasskeyStep>,
) -> Result<Json<LoginResponse>, ApiError> {
    let rp = relying_party(&state)?;
    let device = device(body.device_id, body.device_name)?;
    let user_id =
        verification_tokens::peek(&state.db, &body.mfa_token, Purpose::MfaLogin).await?.ok_or_else(invalid_token)?;
    let (user, synced) =
        second_step_with_passkey(&state.security, rp, "api", &user_id, &body.flow_id, &body.credential, &client)
            .await?;
    if verification_tokens::redeem(&state.db, &body.mfa_token, Purpose::MfaLogin).await?.is_none() {
        return Err(invalid_token());
    }
    let amr = amr::passkey(synced, Some(amr::FirstFactor::Password));
    Ok(Json(open_session(&state, &user, client, device, amr).await?))
}
