//! The sign-in page: `email` and `password`, CSRF-protected. The checks themselves
//! (limits, lockout, password, audit) are `security::signin`'s.

use std::sync::Arc;

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::complete::complete_sign_in;
use crate::{
    i18n::Lang,
    oidc::authorize::{destination, pending},
    security::{
        amr,
        mfa::MfaError,
        signin::{SecondFactors, SignInError, SignedIn, second_step, sign_in},
    },
    state::AppState,
    upstream::Upstream,
    web::{
        browser::{BrowserSession, SecondStep},
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render_scripted, script_nonce},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    req: &'a str,
    email: &'a str,
    error: &'a str,
    /// Whether to offer passkeys, with the script that uses them.
    passkeys: bool,
    nonce: &'a str,
    /// The other identity providers to offer, a button each.
    upstreams: Vec<Arc<Upstream>>,
}

/// How a sign-in form is shown: filled in with `email`, saying what went wrong.
pub struct Shown<'a> {
    pub status: StatusCode,
    pub email: &'a str,
    pub error: &'a str,
}

/// The sign-in form for the authorization request `req` (or none).
pub async fn sign_in_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    req: &str,
    shown: Shown<'_>,
) -> Result<Response, PageError> {
    sign_in_form(state, t, csrf, req, destination(state, req).as_deref(), shown).await
}

/// The sign-in form for the request `req` whose client's redirect URI is `form_target`.
async fn sign_in_form(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    req: &str,
    form_target: Option<&str>,
    shown: Shown<'_>,
) -> Result<Response, PageError> {
    let nonce = script_nonce();
    let page = SignInPage {
        t,
        csrf: csrf.token(),
        req,
        email: shown.email,
        error: shown.error,
        passkeys: state.security.passkeys.is_some(),
        nonce: &nonce,
        upstreams: state.upstreams.all(&state.db).await?,
    };
    Ok(render_scripted(shown.status, &page, form_target, &nonce))
}

/// `?req=ID`: the authorization request a page continues.
#[derive(Deserialize)]
pub struct PageQuery {
    req: Option<String>,
    /// Set by the admin pages when a sign-in is too old for them.
    #[serde(default)]
    reauth: Option<String>,
}

impl PageQuery {
    pub fn req(&self) -> &str {
        self.req.as_deref().unwrap_or_default()
    }
}

#[derive(Deserialize)]
pub struct SignInForm {
    email: String,
    password: String,
    csrf: String,
    #[serde(default)]
    req: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    // The request is opened once, for its login hint and its client's redirect URI.
    let pending = pending(&state, query.req());
    let hint = pending.as_ref().and_then(|p| p.login_hint.as_deref()).unwrap_or_default();
    let form_target = pending.as_ref().map(|p| p.redirect_uri.as_str()).filter(|uri| !uri.is_empty());
    let prompt = match query.reauth.as_deref() {
        Some("account") => t.get("signin-reauth-account"),
        Some(_) => t.get("signin-reauth"),
        None => String::new(),
    };
    let shown = Shown { status: StatusCode::OK, email: hint, error: &prompt };
    sign_in_form(&state, &t, &csrf, query.req(), form_target, shown).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(mut form): PageForm<SignInForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let password = std::mem::take(&mut form.password);
    let mfa_asked = pending(&state, &form.req).is_some_and(|p| p.wants_mfa) || browser.returns_after_sign_in().await?;
    let user = match sign_in(&state.security, "page", &form.email, password, mfa_asked, &client).await {
        Ok(SignedIn::Complete(user)) => user,
        Ok(SignedIn::SecondStep(user)) => {
            browser.start_second_step(&user.id, &form.req, amr::FirstFactor::Password).await?;
            return code_page(&state, &t, &csrf, StatusCode::OK, "", &user.id, &form.req).await;
        }
        Err(SignInError::Invalid) => {
            let wrong = t.get("signin-wrong");
            return again(&state, &t, &csrf, &form, StatusCode::UNAUTHORIZED, &wrong).await;
        }
        Err(SignInError::Throttled(throttled)) => {
            let error = t.arg("error-throttled", "seconds", throttled.retry_after);
            let mut response = again(&state, &t, &csrf, &form, StatusCode::TOO_MANY_REQUESTS, &error).await?;
            throttled.stamp(&mut response);
            return Ok(response);
        }
        Err(SignInError::Store(err)) => return Err(err.into()),
        Err(SignInError::Password(err)) => return Err(err.into()),
    };
    let request_id = Some(form.req.as_str()).filter(|r| !r.is_empty());
    complete_sign_in(&state, &t, &browser, &user.id, request_id, client, amr::PASSWORD).await
}

#[derive(Template)]
#[template(path = "mfa_code.html")]
struct CodePage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    error: &'a str,
    /// What the second step may be done with.
    code: bool,
    passkey: bool,
    nonce: &'a str,
}

/// The second step's page for `user_id`: a code, a passkey, or either.
pub async fn code_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    status: StatusCode,
    error: &str,
    user_id: &str,
    request_id: &str,
) -> Result<Response, PageError> {
    let factors = SecondFactors::of(&state.security, user_id).await?;
    let nonce = script_nonce();
    let page = CodePage { t, csrf: csrf.token(), error, code: factors.code, passkey: factors.passkey, nonce: &nonce };
    Ok(render_scripted(status, &page, destination(state, request_id).as_deref(), &nonce))
}

/// The second step this browser owes, while it is recent.
pub async fn owed_step(browser: &BrowserSession) -> Result<SecondStep, PageError> {
    browser.second_step().await?.ok_or(PageError::BadRequest("signin-too-slow"))
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    csrf: String,
}

/// The second step: a code for the user whose password was just accepted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit_code(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let step = owed_step(&browser).await?;
    match second_step(&state.security, "page", &step.user_id, &form.code, &client).await {
        Ok(user) => {
            browser.end_second_step().await?;
            let request_id = Some(step.request_id.as_str()).filter(|r| !r.is_empty());
            complete_sign_in(&state, &t, &browser, &user.id, request_id, client, amr::code_after(step.first)).await
        }
        Err(MfaError::WrongCode) => {
            let wrong = t.get("mfa-wrong-code");
            code_page(&state, &t, &csrf, StatusCode::UNAUTHORIZED, &wrong, &step.user_id, &step.request_id).await
        }
        Err(err) => Err(err.into()),
    }
}

/// The form again, filled in, with what went wrong.
async fn again(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    form: &SignInForm,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    sign_in_page(state, t, csrf, &form.req, Shown { status, email: &form.email, error }).await
}
