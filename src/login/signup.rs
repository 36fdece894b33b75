//! The sign-up page: creates an account and signs it in.

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;

use super::{complete::complete_sign_in, signin::PageQuery};
use crate::{
    credits::{CreditsError, grants},
    security::policy::check_new_account,
    state::AppState,
    store::{StoreError, users::NewUser},
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        page::{PageError, render},
    },
};

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    csrf: &'a str,
    req: &'a str,
    email: &'a str,
    username: &'a str,
    name: &'a str,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct SignUpForm {
    email: String,
    password: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    csrf: String,
    #[serde(default)]
    req: String,
}

pub async fn show(browser: BrowserSession, Query(query): Query<PageQuery>) -> Result<Response, PageError> {
    let csrf = browser.csrf_token().await?;
    let page = SignUpPage { csrf: &csrf, req: query.req(), email: "", username: "", name: "", error: "" };
    Ok(render(StatusCode::OK, &page))
}

pub async fn submit(
    State(state): State<AppState>,
    browser: BrowserSession,
    client: ClientInfo,
    Form(form): Form<SignUpForm>,
) -> Result<Response, PageError> {
    browser.check_csrf(&form.csrf).await?;
    state.limiter.check_address("register", &client, state.config.security.rate_limit.register_per_ip).await?;
    let refuse = |status: StatusCode, error: &str, csrf: &str| {
        render(
            status,
            &SignUpPage { csrf, req: &form.req, email: &form.email, username: &form.username, name: &form.name, error },
        )
    };
    let csrf = browser.csrf_token().await?;
    let username = Some(form.username.trim().to_owned()).filter(|u| !u.is_empty());
    if let Err(problem) = check_new_account(&form.email, &form.password, username.as_deref()) {
        return Ok(refuse(StatusCode::BAD_REQUEST, problem, &csrf));
    }
    let password_hash = state.passwords.hash(form.password.clone()).await?;
    let name = Some(form.name.trim().to_owned()).filter(|n| !n.is_empty());
    let new = NewUser { email: form.email.clone(), username, name, password_hash };
    let user = match grants::register(&state.db, &state.config.credits, new).await {
        Ok(user) => user,
        Err(CreditsError::Store(StoreError::Conflict(_))) => {
            return Ok(refuse(
                StatusCode::CONFLICT,
                "An account with this email or username already exists. Sign in instead.",
                &csrf,
            ));
        }
        Err(err) => return Err(PageError::Internal(err.to_string())),
    };
    let request_id = Some(form.req.as_str()).filter(|r| !r.is_empty());
    complete_sign_in(&state, &browser, &user.id, request_id, client).await
}
