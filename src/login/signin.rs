//! The sign-in page: `email` and `password`, CSRF-protected. The checks themselves
//! (limits, lockout, password, audit) are `security::signin`'s.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::complete::complete_sign_in;
use crate::{
    oidc::authorize::{destination, pending},
    security::{
        mfa::MfaError,
        signin::{SignInError, SignedIn, second_step, sign_in},
    },
    state::AppState,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render_scripted, render_toward, script_nonce},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    csrf: &'a str,
    req: &'a str,
    email: &'a str,
    error: &'a str,
    /// Whether to offer passkeys, with the script that uses them.
    passkeys: bool,
    nonce: &'a str,
}

/// The sign-in form for the authorization request `req` (or none), filled in with
/// `email`, saying what went wrong.
pub fn sign_in_page(
    state: &AppState,
    csrf: &Csrf,
    req: &str,
    email: &str,
    status: StatusCode,
    error: &str,
) -> Response {
    let nonce = script_nonce();
    let page = SignInPage { csrf: csrf.token(), req, email, error, passkeys: state.passkeys.is_some(), nonce: &nonce };
    render_scripted(status, &page, destination(state, req).as_deref(), &nonce)
}

/// `?req=ID`: the authorization request a page continues.
#[derive(Deserialize)]
pub struct PageQuery {
    req: Option<String>,
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
    csrf: Csrf,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    let pending = pending(&state, query.req());
    let hint = pending.as_ref().and_then(|p| p.login_hint.as_deref()).unwrap_or_default();
    Ok(sign_in_page(&state, &csrf, query.req(), hint, StatusCode::OK, ""))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(mut form): PageForm<SignInForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let password = std::mem::take(&mut form.password);
    let user = match sign_in(&state.security, "page", &form.email, password, &client).await {
        Ok(SignedIn::Complete(user)) => user,
        Ok(SignedIn::SecondStep(user)) => {
            browser.start_second_step(&user.id, &form.req).await?;
            return Ok(code_page(&state, &csrf, StatusCode::OK, "", &form.req));
        }
        Err(SignInError::Invalid) => {
            return Ok(again(&state, &csrf, &form, StatusCode::UNAUTHORIZED, "Incorrect email or password."));
        }
        Err(SignInError::Throttled(throttled)) => {
            let error = format!("Too many attempts. Try again in {} seconds.", throttled.retry_after);
            let mut response = again(&state, &csrf, &form, StatusCode::TOO_MANY_REQUESTS, &error);
            throttled.stamp(&mut response);
            return Ok(response);
        }
        Err(SignInError::Store(err)) => return Err(err.into()),
        Err(SignInError::Password(err)) => return Err(err.into()),
    };
    let request_id = Some(form.req.as_str()).filter(|r| !r.is_empty());
    complete_sign_in(&state, &browser, &user.id, request_id, client, "pwd").await
}

#[derive(Template)]
#[template(path = "mfa_code.html")]
struct CodePage<'a> {
    csrf: &'a str,
    error: &'a str,
}

fn code_page(state: &AppState, csrf: &Csrf, status: StatusCode, error: &str, request_id: &str) -> Response {
    let page = CodePage { csrf: csrf.token(), error };
    render_toward(status, &page, destination(state, request_id).as_deref())
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
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let Some(step) = browser.second_step().await? else {
        return Err(PageError::BadRequest("The sign-in took too long. Sign in again.".into()));
    };
    match second_step(&state.security, "page", &step.user_id, &form.code, &client).await {
        Ok(user) => {
            browser.end_second_step().await?;
            let request_id = Some(step.request_id.as_str()).filter(|r| !r.is_empty());
            complete_sign_in(&state, &browser, &user.id, request_id, client, "pwd otp").await
        }
        Err(MfaError::WrongCode) => {
            Ok(code_page(&state, &csrf, StatusCode::UNAUTHORIZED, "That code is not right.", &step.request_id))
        }
        Err(err) => Err(err.into()),
    }
}

/// The form again, filled in, with what went wrong.
fn again(state: &AppState, csrf: &Csrf, form: &SignInForm, status: StatusCode, error: &str) -> Response {
    sign_in_page(state, csrf, &form.req, &form.email, status, error)
}
