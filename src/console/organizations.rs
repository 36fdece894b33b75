//! `/admin/organizations`: the organizations, a page at a time, and each one's members
//! with their roles.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;

use super::{gate::Admin, paging::Paging};
use crate::{
    i18n::Lang,
    state::AppState,
    store::organizations,
    web::{
        page::{PageError, render},
        page_input::PageParams,
        timestamp::shown,
    },
};

/// Organizations a page.
const PAGE_SIZE: u64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    page: u64,
}

struct Row {
    id: String,
    name: String,
    members: u64,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_organizations.html")]
struct ListPage<'a> {
    t: &'a Lang,
    rows: Vec<Row>,
    previous: Option<String>,
    next: Option<String>,
}

struct Member {
    user_id: String,
    email: String,
    role: String,
    since: String,
}

#[derive(Template)]
#[template(path = "admin_organization.html")]
struct OrganizationPage<'a> {
    t: &'a Lang,
    name: &'a str,
    created: String,
    members: Vec<Member>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    t: Lang,
    PageParams(query): PageParams<ListQuery>,
) -> Result<Response, PageError> {
    let paging = Paging::new(query.page, PAGE_SIZE);
    let mut found = organizations::page(&state.db, paging.offset(), paging.limit()).await?;
    let around = paging.cut(&mut found, |page| format!("/admin/organizations?page={page}"));
    let rows = found
        .into_iter()
        .map(|(o, members)| Row { created: shown(o.created_at), id: o.id, name: o.name, members })
        .collect();
    Ok(render(StatusCode::OK, &ListPage { t: &t, rows, previous: around.previous, next: around.next }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    t: Lang,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let organization = organizations::find(&state.db, &id)
        .await?
        .ok_or(PageError::NoSuchPage(StatusCode::NOT_FOUND, "admin-no-such-organization"))?;
    let members = organizations::members(&state.db, &id)
        .await?
        .into_iter()
        .map(|(member, user)| Member {
            since: shown(member.created_at),
            role: member.role,
            user_id: user.id,
            email: user.email,
        })
        .collect();
    let page = OrganizationPage { t: &t, name: &organization.name, created: shown(organization.created_at), members };
    Ok(render(StatusCode::OK, &page))
}
