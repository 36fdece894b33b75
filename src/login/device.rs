//! The `/device` page (RFC 8628 §3.3): a person types the code a device shows, then
//! signs in and confirms like any authorization request. Codes typed are limited per
//! address, so they cannot be guessed.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::{
    i18n::Lang,
    oidc::{authorize::resume, device::normalize_user_code, pending::PendingAuthorization},
    state::AppState,
    store::device_codes,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    user_code: &'a str,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct DeviceQuery {
    user_code: Option<String>,
}

#[derive(Deserialize)]
pub struct DeviceForm {
    user_code: String,
    csrf: String,
}

/// The form, filled in from `verification_uri_complete`.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(t: Lang, csrf: Csrf, PageParams(query): PageParams<DeviceQuery>) -> Response {
    let user_code = query.user_code.as_deref().unwrap_or_default();
    let page = DevicePage { t: &t, csrf: csrf.token(), user_code, error: "" };
    render(StatusCode::OK, &page)
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<DeviceForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let limit = state.config.security.rate_limit.device_codes_per_ip;
    state.limiter.check_address("device", &client, limit).await?;
    let request = match normalize_user_code(&form.user_code) {
        Some(code) => device_codes::find_undecided(&state.db, &code).await?,
        None => None,
    };
    let Some(request) = request else {
        let error = t.get("device-invalid");
        let page = DevicePage { t: &t, csrf: csrf.token(), user_code: &form.user_code, error: &error };
        return Ok(render(StatusCode::BAD_REQUEST, &page).into_response());
    };
    let pending = PendingAuthorization {
        client_id: request.client_id,
        redirect_uri: String::new(),
        scope: request.scope,
        state: None,
        nonce: None,
        code_challenge: None,
        max_age: None,
        prompt: Vec::new(),
        wants_mfa: false,
        login_hint: None,
        signed_in: None,
        consented: None,
        device: Some(request.user_code),
        resource: None,
        dpop_jkt: None,
    };
    resume(&state, &t, &browser, pending).await
}
