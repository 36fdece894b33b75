//! `/account/upstreams`: the other identity providers the account signs in with.
//! Linking goes there and back (`login::upstream`); unlinking the last way to sign in
//! is refused. Identities of providers no longer offered are listed to be unlinked.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::member::Member;
use crate::{
    i18n::Lang,
    login::upstream::{known, redirect_to},
    state::AppState,
    store::upstream_identities,
    upstream::links::{self, LinkError},
    web::{
        browser::BrowserSession,
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, render},
        page_input::{PageForm, PageParams},
        timestamp::shown,
    },
};

/// An upstream as the page lists it, with the account's identity there.
struct Row<'a> {
    id: &'a str,
    name: String,
    /// How the upstream knows the person (an address or a username); empty when not linked.
    linked_as: String,
    linked_at: String,
    linked: bool,
    /// Offered here still; an identity of a provider since removed can only be unlinked.
    offered: bool,
}

impl<'a> Row<'a> {
    fn of(id: &'a str, name: String, identity: Option<&entity::upstream_identities::Model>, offered: bool) -> Row<'a> {
        Row {
            id,
            name,
            linked_as: identity.and_then(|l| l.email.clone().or_else(|| l.username.clone())).unwrap_or_default(),
            linked_at: identity.map(|l| shown(l.created_at)).unwrap_or_default(),
            linked: identity.is_some(),
            offered,
        }
    }
}

#[derive(Template)]
#[template(path = "account_upstreams.html")]
struct UpstreamsPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    rows: Vec<Row<'a>>,
    error: &'a str,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, t: Lang, csrf: Csrf, member: Member) -> Result<Response, PageError> {
    page(&state, &t, &csrf, &member, StatusCode::OK, "").await
}

async fn page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    member: &Member,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    let linked = upstream_identities::of_user(&state.db, &member.user.id).await?;
    let upstreams = state.upstreams.all(&state.db).await?;
    let mut rows: Vec<Row> = upstreams
        .iter()
        .map(|upstream| {
            let identity = linked.iter().find(|l| l.upstream_id == upstream.id());
            Row::of(upstream.id(), upstream.name().to_owned(), identity, true)
        })
        .collect();
    let gone = linked.iter().filter(|l| !upstreams.iter().any(|u| u.id() == l.upstream_id));
    rows.extend(
        gone.map(|identity| Row::of(&identity.upstream_id, identity.upstream_id.clone(), Some(identity), false)),
    );
    Ok(render(status, &UpstreamsPage { t, csrf: csrf.token(), rows, error }))
}

#[derive(Deserialize)]
pub struct LinkQuery {
    csrf: String,
}

/// Goes to the upstream to link the identity there; the CSRF token rides in the link.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn link(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    member: Member,
    Path(id): Path<String>,
    PageParams(query): PageParams<LinkQuery>,
) -> Result<Response, PageError> {
    csrf.check(&query.csrf)?;
    let upstream = known(&state, &id).await?;
    redirect_to(&state, &t, &browser, &upstream, Some(&member.user.id), "").await
}

#[derive(Deserialize)]
pub struct UnlinkForm {
    csrf: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn unlink(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    member: Member,
    client: ClientInfo,
    Path(id): Path<String>,
    PageForm(form): PageForm<UnlinkForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let (status, key) = match links::unlink(&state.db, &member.user.id, &id, &client).await {
        Ok(()) => return Ok(Redirect::to("/account/upstreams").into_response()),
        Err(LinkError::LastWay) => (StatusCode::CONFLICT, "upstream-last-way"),
        Err(LinkError::Store(err)) => return Err(err.into()),
        Err(_) => (StatusCode::NOT_FOUND, "upstream-not-linked"),
    };
    page(&state, &t, &csrf, &member, status, &t.get(key)).await
}
