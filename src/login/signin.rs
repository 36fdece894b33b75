//! The sign-in page: `email` and `password`, CSRF-protected. Unknown email and wrong
//! password get the same answer in the same time.

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;

use super::complete::complete_sign_in;
use crate::{
    state::AppState,
    store::users,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        page::{PageError, render},
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

pub async fn show(browser: BrowserSession, Query(query): Query<PageQuery>) -> Result<Response, PageError> {
    let csrf = browser.csrf_token().await?;
    let page = SignInPage { csrf: &csrf, req: query.req(), email: "", error: "" };
    Ok(render(StatusCode::OK, &page))
}

pub async fn submit(
    State(state): State<AppState>,
    browser: BrowserSession,
    client: ClientInfo,
    Form(form): Form<SignInForm>,
) -> Result<Response, PageError> {
    browser.check_csrf(&form.csrf).await?;
    let user = users::find_by_email(&state.db, &form.email).await?;
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let valid = state.passwords.verify(form.password, stored).await?;
    let Some(user) = user.filter(|_| valid) else {
        tracing::info!("sign-in failed");
        state.metrics.sign_in_failures.with_label_values(&["page"]).inc();
        let csrf = browser.csrf_token().await?;
        let page =
            SignInPage { csrf: &csrf, req: &form.req, email: &form.email, error: "Incorrect email or password." };
        return Ok(render(StatusCode::UNAUTHORIZED, &page));
    };
    let request_id = Some(form.req.as_str()).filter(|r| !r.is_empty());
    complete_sign_in(&state, &browser, &user.id, request_id, client).await
}
