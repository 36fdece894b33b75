//! `/admin/audit`: the security events, newest first, filtered by account, type and
//! time, a page at a time; the same search as `mana-auth audit`.

use std::collections::HashMap;

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::gate::Admin;
use crate::{
    admin::{
        audit::{self, Query},
        clients::AdminError,
    },
    i18n::Lang,
    state::AppState,
    store,
    web::{
        page::{PageError, render},
        page_input::PageParams,
        timestamp::shown,
    },
};

/// Events a page.
const PAGE_SIZE: u64 = 50;

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    user: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    before: Option<String>,
}

struct Row {
    at: String,
    kind: String,
    user_id: String,
    /// The account's email, while it has one.
    user: String,
    client: String,
    ip: String,
    details: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage<'a> {
    t: &'a Lang,
    query: &'a AuditQuery,
    rows: Vec<Row>,
    error: String,
    /// The link to the next, older page.
    older: Option<String>,
}

/// Empty text means no filter.
fn given(text: &str) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    t: Lang,
    PageParams(query): PageParams<AuditQuery>,
) -> Result<Response, PageError> {
    let asked = Query {
        user: given(&query.user),
        kind: given(&query.kind),
        since: given(&query.since),
        until: given(&query.until),
        before: query.before.clone(),
        limit: PAGE_SIZE,
    };
    let (events, error) = match audit::events(&state.db, asked).await {
        Ok(events) => (events, String::new()),
        Err(AdminError::Invalid(reason)) => (Vec::new(), t.arg("admin-audit-refused", "reason", reason)),
        Err(AdminError::Store(err)) => return Err(err.into()),
    };
    let older = (events.len() as u64 == PAGE_SIZE).then(|| events.last().map(|e| older_link(&query, &e.id))).flatten();
    let mut emails: HashMap<String, String> = HashMap::new();
    let mut rows = Vec::with_capacity(events.len());
    for event in events {
        let user_id = event.user_id.unwrap_or_default();
        if !user_id.is_empty() && !emails.contains_key(&user_id) {
            let email = store::users::find(&state.db, &user_id).await?.map(|u| u.email).unwrap_or_default();
            emails.insert(user_id.clone(), email);
        }
        rows.push(Row {
            at: shown(event.created_at),
            kind: event.kind,
            user: emails.get(&user_id).cloned().unwrap_or_default(),
            user_id,
            client: event.client_id.unwrap_or_default(),
            ip: event.ip.unwrap_or_default(),
            details: event.details.unwrap_or_default(),
        });
    }
    Ok(render(StatusCode::OK, &AuditPage { t: &t, query: &query, rows, error, older }))
}

/// The same search, from the events older than `last`.
fn older_link(query: &AuditQuery, last: &str) -> String {
    let mut link = url::form_urlencoded::Serializer::new(String::new());
    link.append_pair("user", &query.user)
        .append_pair("type", &query.kind)
        .append_pair("since", &query.since)
        .append_pair("until", &query.until)
        .append_pair("before", last);
    format!("/admin/audit?{}", link.finish())
}
