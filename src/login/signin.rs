//! The sign-in page: `email` and `password`, CSRF-protected. The checks themselves
//! (limits, lockout, password, audit) are `security::signin`'s.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::complete::complete_sign_in;
use crate::{
    security::{
        mfa::{self, MfaError},
        signin::{SignInError, sign_in},
    },
    state::AppState,
    store,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        page::{PageError, render_toward},
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

pub async fn show(browser: BrowserSession, PageParams(query): PageParams<PageQuery>) -> Result<Response, PageError> {
    let csrf = browser.csrf_token().await?;
    let page = SignInPage { csrf: &csrf, req: query.req(), email: "", error: "" };
    Ok(render_toward(StatusCode::OK, &page, browser.destination(query.req()).await?.as_deref()))
}

pub async fn submit(
    State(state): State<AppState>,
    browser: BrowserSession,
    client: ClientInfo,
    PageForm(mut form): PageForm<SignInForm>,
) -> Result<Response, PageError> {
    browser.check_csrf(&form.csrf).await?;
    let password = std::mem::take(&mut form.password);
    let user = match sign_in(&state, "page", &form.email, password, &client).await {
        Ok(user) => user,
        Err(SignInError::Invalid) => {
            return again(&browser, &form, StatusCode::UNAUTHORIZED, "Incorrect email or password.").await;
        }
        Err(SignInError::Throttled(throttled)) => {
            let error = format!("Too many attempts. Try again in {} seconds.", throttled.retry_after);
            let mut response = again(&browser, &form, StatusCode::TOO_MANY_REQUESTS, &error).await?;
            throttled.stamp(&mut response);
            return Ok(response);
        }
        Err(SignInError::Store(err)) => return Err(err.into()),
        Err(SignInError::Password(err)) => return Err(err.into()),
    };
    if store::mfa::enabled(&state.db, &user.id).await? {
        browser.start_second_step(&user.id, &form.req).await?;
        return code_page(&browser, StatusCode::OK, "", &form.req).await;
    }
    let request_id = Some(form.req.as_str()).filter(|r| !r.is_empty());
    complete_sign_in(&state, &browser, &user.id, request_id, client, "pwd").await
}

#[derive(Template)]
#[template(path = "mfa_code.html")]
struct CodePage<'a> {
    csrf: &'a str,
    error: &'a str,
}

async fn code_page(
    browser: &BrowserSession,
    status: StatusCode,
    error: &str,
    request_id: &str,
) -> Result<Response, PageError> {
    let csrf = browser.csrf_token().await?;
    Ok(render_toward(status, &CodePage { csrf: &csrf, error }, browser.destination(request_id).await?.as_deref()))
}

#[derive(Deserialize)]
pub struct CodeForm {
    code: String,
    csrf: String,
}

/// The second step: a code for the user whose password was just accepted.
pub async fn submit_code(
    State(state): State<AppState>,
    browser: BrowserSession,
    client: ClientInfo,
    PageForm(form): PageForm<CodeForm>,
) -> Result<Response, PageError> {
    browser.check_csrf(&form.csrf).await?;
    let Some(step) = browser.second_step().await? else {
        return Err(PageError::BadRequest("The sign-in took too long. Sign in again.".into()));
    };
    match mfa::verify(&state, &step.user_id, &form.code, &client).await {
        Ok(()) => {
            browser.end_second_step().await?;
            let request_id = Some(step.request_id.as_str()).filter(|r| !r.is_empty());
            complete_sign_in(&state, &browser, &step.user_id, request_id, client, "pwd otp").await
        }
        Err(MfaError::WrongCode) => {
            code_page(&browser, StatusCode::UNAUTHORIZED, "That code is not right.", &step.request_id).await
        }
        Err(err) => Err(err.into()),
    }
}

/// The form again, filled in, with what went wrong.
async fn again(
    browser: &BrowserSession,
    form: &SignInForm,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    let csrf = browser.csrf_token().await?;
    let page = SignInPage { csrf: &csrf, req: &form.req, email: &form.email, error };
    Ok(render_toward(status, &page, browser.destination(&form.req).await?.as_deref()))
}
