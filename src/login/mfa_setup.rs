//! The page where a signed-in user turns two-step verification on (QR code, first
//! code, recovery codes shown once) or off (password and a code).

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::home::{account_of_form, signed_in_user};
use crate::{
    i18n::Lang,
    security::mfa::{self, MfaError},
    state::AppState,
    store,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render},
        page_input::PageForm,
    },
};

#[derive(Template)]
#[template(path = "mfa_setup.html")]
struct SetupPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    enabled: bool,
    secret: &'a str,
    otpauth_uri: &'a str,
    qr_data_url: &'a str,
    error: &'a str,
}

#[derive(Template)]
#[template(path = "recovery_codes.html")]
struct RecoveryCodesPage<'a> {
    t: &'a Lang,
    codes: &'a [String],
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    code: String,
    csrf: String,
}

#[derive(Deserialize)]
pub struct DisableForm {
    password: String,
    code: String,
    csrf: String,
}

impl From<MfaError> for PageError {
    fn from(err: MfaError) -> Self {
        match err {
            MfaError::Throttled(throttled) => throttled.into(),
            MfaError::Store(err) => err.into(),
            MfaError::Password(err) => err.into(),
            other => PageError::BadRequest(mfa_key(&other)),
        }
    }
}

/// What a page says of a two-step error, as a catalogue key.
pub fn mfa_key(err: &MfaError) -> &'static str {
    match err {
        MfaError::Unavailable => "mfa-error-unavailable",
        MfaError::AlreadyOn => "mfa-error-already-on",
        MfaError::NotSetUp => "mfa-error-not-set-up",
        MfaError::WrongCode => "mfa-error-wrong-code",
        MfaError::CodeRequired => "mfa-error-code-required",
        MfaError::WrongPassword => "mfa-error-wrong-password",
        MfaError::Throttled(_) => "error-slow-down",
        MfaError::Store(_) | MfaError::Password(_) => "error-internal",
    }
}

/// The setup page for the signed-in user: a fresh secret while off, the way to turn
/// it off while on. Without a sign-in, to the sign-in page.
async fn setup_page(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    csrf: &Csrf,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    let Some(user) = signed_in_user(state, browser).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    if store::mfa::enabled(&state.db, &user.id).await? {
        let page =
            SetupPage { t, csrf: csrf.token(), enabled: true, secret: "", otpauth_uri: "", qr_data_url: "", error };
        return Ok(render(status, &page));
    }
    let enrolment = mfa::begin(&state.security, &user.id, &user.email).await?;
    let page = SetupPage {
        t,
        csrf: csrf.token(),
        enabled: false,
        secret: &enrolment.secret,
        otpauth_uri: &enrolment.otpauth_uri,
        qr_data_url: &enrolment.qr_data_url,
        error,
    };
    Ok(render(status, &page))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
) -> Result<Response, PageError> {
    setup_page(&state, &t, &browser, &csrf, StatusCode::OK, "").await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn confirm(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let user = match account_of_form(&state, &browser, &csrf, &form.csrf).await? {
        Ok(user) => user,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    match mfa::confirm(&state.security, &user.id, &form.code, &client).await {
        Ok(codes) => Ok(render(StatusCode::OK, &RecoveryCodesPage { t: &t, codes: &codes })),
        // A wrong first code starts over with a new secret: scan again.
        Err(MfaError::WrongCode) => {
            let error = t.get("mfa-setup-wrong-code");
            setup_page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &error).await
        }
        Err(err) => Err(err.into()),
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn disable(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<DisableForm>,
) -> Result<Response, PageError> {
    let user = match account_of_form(&state, &browser, &csrf, &form.csrf).await? {
        Ok(user) => user,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    match mfa::disable(&state.security, &user, form.password, &form.code, &client).await {
        Ok(()) => Ok(Redirect::to("/account/mfa").into_response()),
        Err(err @ (MfaError::WrongCode | MfaError::WrongPassword)) => {
            let error = t.arg("mfa-setup-stays-on", "reason", t.get(mfa_key(&err)));
            setup_page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &error).await
        }
        Err(err) => Err(err.into()),
    }
}
