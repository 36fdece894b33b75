//! `/account`: who is signed in, the profile (name and username) to edit, the form that
//! moves the account to another address, and the way to every other account page.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use entity::users;
use serde::Deserialize;

use super::member::Member;
use crate::{
    i18n::Lang,
    security::self_service::{self, ProfileChange, SelfServiceError},
    state::AppState,
    store,
    web::{
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render},
        page_input::PageForm,
    },
};

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    user: &'a users::Model,
    /// What the profile form shows: the stored profile, or what was refused.
    name: &'a str,
    username: &'a str,
    failed: Failed<'a>,
    passkeys: bool,
    /// Whether other identity providers are offered, to link.
    upstreams: bool,
    admin: bool,
}

/// A refused form of the page: what was typed, and why it was refused.
#[derive(Default)]
pub struct Failed<'a> {
    pub profile: Option<(&'a str, &'a str)>,
    pub profile_error: &'a str,
    pub email: &'a str,
    pub email_error: &'a str,
}

#[derive(Deserialize)]
pub struct ProfileForm {
    name: String,
    username: String,
    csrf: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, t: Lang, csrf: Csrf, member: Member) -> Result<Response, PageError> {
    account_page(&state, &t, &csrf, &member.user, Failed::default(), StatusCode::OK).await
}

pub async fn account_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    user: &users::Model,
    failed: Failed<'_>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let stored = (user.name.as_deref().unwrap_or_default(), user.username.as_deref().unwrap_or_default());
    let (name, username) = failed.profile.unwrap_or(stored);
    let page = AccountPage {
        t,
        csrf: csrf.token(),
        user,
        name,
        username,
        failed,
        passkeys: state.security.passkeys.is_some(),
        upstreams: !state.upstreams.all(&state.db).await?.is_empty()
            || store::upstream_identities::count_of_user(&state.db, &user.id).await? > 0,
        admin: user.role == store::users::ADMIN_ROLE,
    };
    Ok(render(status, &page))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn save_profile(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    member: Member,
    client: ClientInfo,
    PageForm(form): PageForm<ProfileForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let change = ProfileChange { name: Some(form.name.clone()), username: Some(form.username.clone()) };
    let (status, key) = match self_service::update_profile(&state.db, &member.user, change, &client).await {
        Ok(()) => return Ok(Redirect::to("/account").into_response()),
        Err(SelfServiceError::UsernameTaken) => (StatusCode::CONFLICT, "signup-username-taken"),
        // A refusal is said beside the form; anything else is an error page.
        Err(err) => match PageError::from(err) {
            PageError::BadRequest(key) => (StatusCode::BAD_REQUEST, key),
            other => return Err(other),
        },
    };
    let error = t.get(key);
    let failed = Failed { profile: Some((&form.name, &form.username)), profile_error: &error, ..Default::default() };
    account_page(&state, &t, &csrf, &member.user, failed, status).await
}
