//! `/account/passkeys`: a signed-in user's passkeys, with when each was added and last
//! used; adding one (the page's script runs the ceremony), renaming and removing.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::Value;
use webauthn_rs::prelude::RegisterPublicKeyCredential;

use entity::users;

use super::{
    home::{account_of_form, signed_in_user},
    passkey_signin::{OptionsForm, ceremony, read_answer, refusal_key, relying_party},
};
use crate::{
    i18n::Lang,
    security::passkeys::{self, PasskeyError, Passkeys},
    state::AppState,
    store,
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render_scripted, script_nonce},
        page_input::PageForm,
        timestamp::shown,
    },
};

const PAGE: &str = "/account/passkeys";

/// A passkey as the page lists it.
struct Listed {
    id: String,
    name: String,
    /// When it was added and last used, in words.
    used: String,
}

#[derive(Template)]
#[template(path = "passkeys.html")]
struct PasskeysPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    error: &'a str,
    passkeys: &'a [Listed],
    nonce: &'a str,
}

/// The page for the signed-in user, saying what went wrong; without a sign-in, the way
/// to the sign-in page.
async fn page(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    csrf: &Csrf,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    relying_party(state)?;
    let Some(user) = signed_in_user(state, browser).await? else {
        return Ok(Redirect::to("/login").into_response());
    };
    let listed: Vec<Listed> = store::passkeys::of_user(&state.db, &user.id)
        .await?
        .into_iter()
        .map(|p| {
            let used = p.last_used_at.map_or_else(|| t.get("passkeys-never"), shown);
            let used = t.with("passkeys-used", &[("added", shown(p.created_at).into()), ("used", used.into())]);
            Listed { used, id: p.id, name: p.name }
        })
        .collect();
    let nonce = script_nonce();
    let page = PasskeysPage { t, csrf: csrf.token(), error, passkeys: &listed, nonce: &nonce };
    Ok(render_scripted(status, &page, None, &nonce))
}

/// What a refused change says on the page.
async fn refused(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    csrf: &Csrf,
    err: PasskeyError,
) -> Result<Response, PageError> {
    let status = match err {
        PasskeyError::LastWay | PasskeyError::Registered => StatusCode::CONFLICT,
        PasskeyError::Invalid(_) | PasskeyError::Refused(_) | PasskeyError::UnknownCeremony => StatusCode::BAD_REQUEST,
        other => return Err(other.into()),
    };
    page(state, t, browser, csrf, status, &t.get(refusal_key(&err))).await
}

/// The relying party and the account behind a form of this page (its CSRF field
/// checked), or the way to the sign-in page.
async fn account_and_rp<'s>(
    state: &'s AppState,
    browser: &BrowserSession,
    csrf: &Csrf,
    field: &str,
) -> Result<Result<(&'s Passkeys, users::Model), Response>, PageError> {
    let rp = relying_party(state)?;
    Ok(account_of_form(state, browser, csrf, field).await?.map(|user| (rp, user)))
}

/// Back to the page after a change, or the page saying why it was refused.
async fn after<T>(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    csrf: &Csrf,
    changed: Result<T, PasskeyError>,
) -> Result<Response, PageError> {
    match changed {
        Ok(_) => Ok(Redirect::to(PAGE).into_response()),
        Err(err) => refused(state, t, browser, csrf, err).await,
    }
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
) -> Result<Response, PageError> {
    page(&state, &t, &browser, &csrf, StatusCode::OK, "").await
}

/// Begins adding a passkey, for the page's script.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn options(
    State(state): State<AppState>,
    browser: BrowserSession,
    csrf: Csrf,
    PageForm(form): PageForm<OptionsForm>,
) -> Result<Response, PageError> {
    let (rp, user) = match account_and_rp(&state, &browser, &csrf, &form.csrf).await? {
        Ok(found) => found,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    let (flow_id, public_key): (String, Value) = rp.start_registration(&state.security, &user).await?;
    Ok(ceremony(flow_id, public_key).into_response())
}

#[derive(Deserialize)]
pub struct AddForm {
    csrf: String,
    name: String,
    #[serde(default)]
    flow_id: String,
    #[serde(default)]
    credential: String,
}

/// Finishes adding a passkey with the authenticator's answer.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<AddForm>,
) -> Result<Response, PageError> {
    let (rp, user) = match account_and_rp(&state, &browser, &csrf, &form.csrf).await? {
        Ok(found) => found,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    if form.credential.is_empty() {
        let error = t.get("passkeys-needs-script");
        return page(&state, &t, &browser, &csrf, StatusCode::BAD_REQUEST, &error).await;
    }
    let added = match read_answer::<RegisterPublicKeyCredential>(&form.credential) {
        Ok(answer) => rp.finish_registration(&state.security, &user, &form.flow_id, &form.name, &answer, &client).await,
        Err(err) => Err(err),
    };
    after(&state, &t, &browser, &csrf, added).await
}

#[derive(Deserialize)]
pub struct RenameForm {
    csrf: String,
    name: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn rename(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    Path(id): Path<String>,
    PageForm(form): PageForm<RenameForm>,
) -> Result<Response, PageError> {
    let (_, user) = match account_and_rp(&state, &browser, &csrf, &form.csrf).await? {
        Ok(found) => found,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    after(&state, &t, &browser, &csrf, passkeys::rename(&state.security, &user.id, &id, &form.name).await).await
}

/// Removes one of the user's passkeys (the remove button of the rename form posts
/// here, with the same fields).
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    Path(id): Path<String>,
    PageForm(form): PageForm<RenameForm>,
) -> Result<Response, PageError> {
    let (_, user) = match account_and_rp(&state, &browser, &csrf, &form.csrf).await? {
        Ok(found) => found,
        Err(to_sign_in) => return Ok(to_sign_in),
    };
    after(&state, &t, &browser, &csrf, passkeys::remove(&state.security, &user, &id, &client).await).await
}
