//! `/setup?token=…`: the one-time link that creates the first administrator. Without
//! a token, or with one that is unknown or expired, there is no page (404); a used
//! link answers 410 and creates nothing.

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::complete::complete_sign_in;
use crate::{
    admin::roles::{By, grant_admin},
    credits::grants,
    i18n::Lang,
    security::{
        amr,
        audit::{Event, Kind},
        policy::check_new_account,
    },
    state::AppState,
    store::{
        setup_links::{self, Link},
        users::{self, NewUser},
    },
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    token: &'a str,
    email: &'a str,
    name: &'a str,
    error: &'a str,
}

#[derive(Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

#[derive(Deserialize)]
pub struct SetupForm {
    csrf: String,
    token: String,
    email: String,
    #[serde(default)]
    name: String,
    password: String,
}

/// The page of a live link; no page, or 410, for any other.
async fn live(state: &AppState, token: &str) -> Result<(), PageError> {
    match setup_links::find(&state.db, token).await? {
        Link::Live => Ok(()),
        Link::Used => Err(used()),
        Link::Unknown => Err(PageError::NoSuchPage(StatusCode::NOT_FOUND, "error-not-found")),
    }
}

fn used() -> PageError {
    PageError::NoSuchPage(StatusCode::GONE, "setup-used")
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    PageParams(query): PageParams<SetupQuery>,
) -> Result<Response, PageError> {
    live(&state, &query.token).await?;
    let page = SetupPage { t: &t, csrf: csrf.token(), token: &query.token, email: "", name: "", error: "" };
    Ok(render(StatusCode::OK, &page))
}

/// Creates the first administrator and signs it in.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<SetupForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    live(&state, &form.token).await?;
    let again = |status: StatusCode, error: &str| {
        let filled = (form.email.as_str(), form.name.as_str());
        let page = SetupPage { t: &t, csrf: csrf.token(), token: &form.token, email: filled.0, name: filled.1, error };
        render(status, &page)
    };
    if let Err(rule) = check_new_account(&form.email, &form.password, None) {
        return Ok(again(StatusCode::BAD_REQUEST, &t.get(rule.key)));
    }
    if users::find_by_email(&state.db, &form.email).await?.is_some() {
        return Ok(again(StatusCode::CONFLICT, &t.get("setup-taken")));
    }
    // The link is used up first, so that two submissions create one administrator.
    if users::any_admin(&state.db).await? || !setup_links::redeem(&state.db, &form.token).await? {
        return Err(used());
    }
    let password_hash = state.passwords.hash(form.password.clone()).await?;
    let name = Some(form.name.trim().to_owned()).filter(|n| !n.is_empty());
    let language = Some(t.tag().to_owned());
    let new = NewUser { email: form.email.clone(), username: None, name, password_hash, language };
    let created = Event::new(Kind::AccountCreated).from(&client);
    let user = grants::register(&state.db, &state.config.credits, new, created)
        .await
        .map_err(|err| PageError::Internal(err.to_string()))?;
    grant_admin(&state.db, &user, By::SetupLink).await?;
    tracing::info!(user_id = %user.id, "first administrator created");
    complete_sign_in(&state, &t, &browser, &user.id, None, client, amr::PASSWORD).await
}
