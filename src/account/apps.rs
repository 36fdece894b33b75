//! `/account/apps`: the applications the user let in (a remembered consent, or refresh
//! tokens that keep them signed in), and taking that back: the consent is forgotten, so
//! the application asks again, and its refresh tokens stop working.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::member::Member;
use crate::{
    i18n::Lang,
    login::consent::describe,
    security::self_service,
    state::AppState,
    store::{self, app_grants, consents},
    web::{
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render},
        page_input::PageForm,
        timestamp::shown,
    },
};

/// An application as the page lists it.
#[derive(Default)]
struct AppRow {
    client_id: String,
    name: String,
    /// What the remembered consent lets it do; empty without one.
    scopes: Vec<String>,
    granted: String,
    /// Whether it holds refresh tokens: it keeps access while the user is away.
    offline: bool,
}

#[derive(Template)]
#[template(path = "account_apps.html")]
struct AppsPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    apps: Vec<AppRow>,
}

#[derive(Deserialize)]
pub struct RevokeForm {
    client_id: String,
    csrf: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, t: Lang, csrf: Csrf, member: Member) -> Result<Response, PageError> {
    let db = &state.db;
    let mut apps: BTreeMap<String, AppRow> = BTreeMap::new();
    for consent in consents::of_user(db, &member.user.id).await? {
        let row = apps.entry(consent.client_id).or_default();
        row.scopes = consent.scope.split(' ').filter_map(describe).map(|key| t.get(key)).collect();
        row.granted = shown(consent.granted_at);
    }
    for client_id in app_grants::holders(db, &member.user.id).await? {
        apps.entry(client_id).or_default().offline = true;
    }
    let mut rows = Vec::with_capacity(apps.len());
    for (client_id, mut row) in apps {
        row.name = store::clients::find(db, &client_id).await?.map_or_else(|| client_id.clone(), |c| c.name);
        row.client_id = client_id;
        rows.push(row);
    }
    Ok(render(StatusCode::OK, &AppsPage { t: &t, csrf: csrf.token(), apps: rows }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke(
    State(state): State<AppState>,
    csrf: Csrf,
    member: Member,
    client: ClientInfo,
    PageForm(form): PageForm<RevokeForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    if self_service::revoke_app(&state.db, &member.user.id, &form.client_id, &client).await? {
        tracing::info!(user_id = %member.user.id, client_id = %form.client_id, "application access revoked");
    }
    Ok(Redirect::to("/account/apps").into_response())
}
