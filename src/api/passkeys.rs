//! Passkeys in the native API: registering them to the caller's account, listing,
//! renaming and removing them, signing in with one, and signing up with one and no
//! password.

use axum::{Json, extract::State, http::StatusCode};
use entity::passkeys::Model as PasskeyRow;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use webauthn_rs::prelude::{PublicKeyCredential, RegisterPublicKeyCredential};

use super::{
    account::caller_account,
    auth::{device, email_taken, open_session, taken},
    dto::{LoginResponse, timestamp},
};
use crate::{
    credits::{CreditsError, grants},
    i18n::Lang,
    security::{
        amr,
        audit::{Event, Kind},
        passkeys::{self, PasskeyError, Passkeys},
        recovery,
    },
    state::AppState,
    store,
    web::{
        api_error::{ApiError, ErrorBody},
        caller::{Authorized, need},
        client_info::ClientInfo,
        json::AppJson,
        params::AppPath,
    },
};

impl From<PasskeyError> for ApiError {
    fn from(err: PasskeyError) -> Self {
        match err {
            PasskeyError::UnknownCeremony => ApiError::bad_request("invalid_flow", err.to_string()),
            PasskeyError::Refused(_) | PasskeyError::CounterRegressed => {
                ApiError::unauthorized("invalid_credential", err.to_string())
            }
            PasskeyError::Registered => ApiError::conflict("passkey_registered", err.to_string()),
            PasskeyError::LastWay => ApiError::conflict("last_sign_in_method", err.to_string()),
            PasskeyError::NotFound => ApiError::not_found(err.to_string()),
            PasskeyError::Invalid(rule) => ApiError::bad_request("invalid_request", rule.message),
            PasskeyError::Throttled(throttled) => throttled.into(),
            PasskeyError::Store(err) => err.into(),
        }
    }
}

/// The relying party, or 404 while passkeys are off (see `webauthn.rp_id`).
pub(super) fn relying_party(state: &AppState) -> Result<&Passkeys, ApiError> {
    state.security.passkeys.as_deref().ok_or_else(|| ApiError::not_found("passkeys are not enabled on this server"))
}

/// The options of a ceremony, to hand to `navigator.credentials` as `publicKey`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CeremonyOptions {
    /// Single use, valid five minutes: send it back with the authenticator's answer.
    flow_id: String,
    /// PublicKeyCredentialCreationOptionsJSON or PublicKeyCredentialRequestOptionsJSON
    /// (WebAuthn Level 3), binary fields in base64url.
    #[schema(value_type = Object)]
    public_key: serde_json::Value,
}

impl CeremonyOptions {
    pub(super) fn new(flow_id: String, public_key: serde_json::Value) -> Self {
        CeremonyOptions { flow_id, public_key }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyDto {
    id: String,
    name: String,
    created_at: String,
    last_used_at: Option<String>,
}

impl From<PasskeyRow> for PasskeyDto {
    fn from(row: PasskeyRow) -> Self {
        PasskeyDto {
            created_at: timestamp(row.created_at),
            last_used_at: row.last_used_at.map(timestamp),
            id: row.id,
            name: row.name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct PasskeyList {
    passkeys: Vec<PasskeyDto>,
}

/// Begins registering a passkey to the caller's account.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/registration/options", tag = "passkeys", security(("bearer" = [])),
    responses((status = 200, body = CeremonyOptions), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn registration_options(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
) -> Result<Json<CeremonyOptions>, ApiError> {
    let rp = relying_party(&state)?;
    let user = caller_account(&state, &caller).await?;
    let (flow_id, public_key) = rp.start_registration(&state.security, &user).await?;
    Ok(Json(CeremonyOptions::new(flow_id, public_key)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegisterPasskey {
    flow_id: String,
    /// Shown in the list, e.g. "Laptop".
    name: String,
    /// RegistrationResponseJSON (WebAuthn Level 3): `credential.toJSON()` in the browser.
    #[schema(value_type = Object)]
    credential: RegisterPublicKeyCredential,
}

/// Finishes the registration with the authenticator's answer.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/registration", tag = "passkeys", security(("bearer" = [])),
    request_body = RegisterPasskey,
    responses((status = 201, body = PasskeyDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn register(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
    AppJson(body): AppJson<RegisterPasskey>,
) -> Result<(StatusCode, Json<PasskeyDto>), ApiError> {
    let rp = relying_party(&state)?;
    let user = caller_account(&state, &caller).await?;
    let row = rp
        .finish_registration(&state.security, &user, &body.flow_id, &body.name, &body.credential, &client)
        .await
        .map_err(|err| match err {
            // The caller is signed in: an answer that does not verify is a bad request.
            PasskeyError::Refused(_) => ApiError::bad_request("invalid_credential", err.to_string()),
            other => other.into(),
        })?;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// The caller's passkeys, oldest first.
#[utoipa::path(get, path = "/api/v1/auth/passkeys", tag = "passkeys", security(("bearer" = [])),
    responses((status = 200, body = PasskeyList), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Account>,
) -> Result<Json<PasskeyList>, ApiError> {
    relying_party(&state)?;
    let rows = store::passkeys::of_user(&state.db, &caller.user_id).await?;
    Ok(Json(PasskeyList { passkeys: rows.into_iter().map(PasskeyDto::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RenamePasskey {
    name: String,
}

#[utoipa::path(patch, path = "/api/v1/auth/passkeys/{id}", tag = "passkeys", security(("bearer" = [])),
    params(("id" = String, Path, description = "passkey id")), request_body = RenamePasskey,
    responses((status = 200, body = PasskeyDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn rename(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    AppPath(id): AppPath<String>,
    AppJson(body): AppJson<RenamePasskey>,
) -> Result<Json<PasskeyDto>, ApiError> {
    relying_party(&state)?;
    Ok(Json(passkeys::rename(&state.security, &caller.user_id, &id, &body.name).await?.into()))
}

/// Removes one of the caller's passkeys; the last way to sign in cannot be removed.
#[utoipa::path(delete, path = "/api/v1/auth/passkeys/{id}", tag = "passkeys", security(("bearer" = [])),
    params(("id" = String, Path, description = "passkey id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::AccountWrite>,
    client: ClientInfo,
    AppPath(id): AppPath<String>,
) -> Result<StatusCode, ApiError> {
    relying_party(&state)?;
    let user = caller_account(&state, &caller).await?;
    passkeys::remove(&state.security, &user, &id, &client).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Begins a sign-in with a passkey; no account is named, the authenticator offers the
/// passkeys it holds.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login/options", tag = "passkeys",
    responses((status = 200, body = CeremonyOptions), (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn login_options(
    State(state): State<AppState>,
    client: ClientInfo,
) -> Result<Json<CeremonyOptions>, ApiError> {
    let (flow_id, public_key) = relying_party(&state)?.start_login(&state.security, &client).await?;
    Ok(Json(CeremonyOptions::new(flow_id, public_key)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasskeyLogin {
    flow_id: String,
    /// AuthenticationResponseJSON (WebAuthn Level 3): `credential.toJSON()` in the browser.
    #[schema(value_type = Object)]
    credential: PublicKeyCredential,
    device_id: Option<String>,
    device_name: Option<String>,
}

/// Signs in with a passkey: the same answer as `POST /api/v1/auth/login`.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/login", tag = "passkeys", request_body = PasskeyLogin,
    responses((status = 200, body = LoginResponse), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<PasskeyLogin>,
) -> Result<Json<LoginResponse>, ApiError> {
    let rp = relying_party(&state)?;
    let device = device(body.device_id, body.device_name)?;
    let signed_in = rp.finish_login(&state.security, "api", &body.flow_id, &body.credential, &client).await?;
    Ok(Json(open_session(&state, &signed_in.user, client, device, signed_in.amr).await?))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasskeySignUpOptions {
    email: String,
    name: Option<String>,
}

/// Begins creating an account with a passkey and no password.
#[utoipa::path(post, path = "/api/v1/auth/register/passkey/options", tag = "passkeys",
    request_body = PasskeySignUpOptions,
    responses((status = 200, body = CeremonyOptions), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 429, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign_up_options(
    State(state): State<AppState>,
    client: ClientInfo,
    AppJson(body): AppJson<PasskeySignUpOptions>,
) -> Result<Json<CeremonyOptions>, ApiError> {
    let rp = relying_party(&state)?;
    state.limiter.check_address("register", &client, state.config.security.rate_limit.register_per_ip).await?;
    if store::users::find_by_email(&state.db, &body.email).await?.is_some() {
        return Err(taken());
    }
    let (flow_id, public_key) = rp.start_sign_up(&state.security, &body.email, body.name).await?;
    Ok(Json(CeremonyOptions::new(flow_id, public_key)))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PasskeySignUp {
    flow_id: String,
    /// The passkey's name in the account's list; "Passkey" when left out.
    passkey_name: Option<String>,
    /// RegistrationResponseJSON (WebAuthn Level 3): `credential.toJSON()` in the browser.
    #[schema(value_type = Object)]
    credential: RegisterPublicKeyCredential,
    device_id: Option<String>,
    device_name: Option<String>,
}

/// Creates the account with its passkey (the address is confirmed by the mailed link,
/// as for every sign-up) and signs it in: the login answer.
#[utoipa::path(post, path = "/api/v1/auth/register/passkey", tag = "passkeys", request_body = PasskeySignUp,
    responses((status = 201, body = LoginResponse), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn sign_up(
    State(state): State<AppState>,
    t: Lang,
    client: ClientInfo,
    AppJson(body): AppJson<PasskeySignUp>,
) -> Result<(StatusCode, Json<LoginResponse>), ApiError> {
    let rp = relying_party(&state)?;
    let device = device(body.device_id, body.device_name)?;
    let passkey_name = body.passkey_name.as_deref().unwrap_or("Passkey");
    let signup = rp.finish_sign_up(&state.security, &body.flow_id, passkey_name, &body.credential).await.map_err(
        |err| match err {
            PasskeyError::Refused(_) => ApiError::bad_request("invalid_credential", err.to_string()),
            other => other.into(),
        },
    )?;
    let amr = amr::passkey(signup.synced, None);
    let created = Event::new(Kind::AccountCreated).from(&client);
    let user = grants::register_with_passkey(&state.db, &state.config.credits, signup, t.tag(), created, &client)
        .await
        .map_err(|err| match err {
            CreditsError::Store(err) => email_taken(err),
            other => other.into(),
        })?;
    recovery::send_verification(&state.security, &user).await?;
    Ok((StatusCode::CREATED, Json(open_session(&state, &user, client, device, amr).await?)))
}
