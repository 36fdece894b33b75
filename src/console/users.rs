//! `/admin/users`: accounts found by email, name or username, a page at a time; an
//! account's page (sessions and devices, two-step state, organizations, credits, last
//! sign-in, security events); ending its sessions; granting and taking back the
//! administrator role.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use entity::users;
use serde::Deserialize;

use super::{
    action::{Confirm, UserAction},
    gate::Admin,
    paging::Paging,
};
use crate::{
    admin::{
        self,
        roles::{self, By},
    },
    i18n::Lang,
    oidc::backchannel::notify_clients_of,
    security::erasure::{self, ErasureError},
    state::AppState,
    store::{
        self, auth_sessions, ledger, organizations,
        security_events::{self, Filter},
        upstream_identities,
        user_directory::{self, Revoked},
    },
    web::{
        csrf::Csrf,
        device,
        page::{PageError, render},
        page_input::PageParams,
        timestamp::shown,
    },
};

/// Accounts per page of the list.
const PAGE_SIZE: u64 = 25;
/// Security events on an account's page, newest first.
const EVENTS_SHOWN: u64 = 20;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: u64,
}

/// An account as a row of the list.
struct Row {
    id: String,
    email: String,
    name: String,
    username: String,
    admin: bool,
    disabled: bool,
    created: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct ListPage<'a> {
    t: &'a Lang,
    q: &'a str,
    rows: Vec<Row>,
    /// Links to the pages before and after, when there are any.
    previous: Option<String>,
    next: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn list(
    State(state): State<AppState>,
    _: Admin,
    t: Lang,
    PageParams(query): PageParams<ListQuery>,
) -> Result<Response, PageError> {
    let paging = Paging::new(query.page, PAGE_SIZE);
    let mut found = user_directory::search(&state.db, &query.q, paging.offset(), paging.limit()).await?;
    let around = paging.cut(&mut found, |page| {
        let q = url::form_urlencoded::Serializer::new(String::new()).append_pair("q", &query.q).finish();
        format!("/admin/users?{q}&page={page}")
    });
    let rows = found
        .into_iter()
        .map(|u| Row {
            admin: u.role == store::users::ADMIN_ROLE,
            disabled: u.disabled_at.is_some(),
            created: shown(u.created_at),
            name: u.name.unwrap_or_default(),
            username: u.username.unwrap_or_default(),
            id: u.id,
            email: u.email,
        })
        .collect();
    Ok(render(StatusCode::OK, &ListPage { t: &t, q: &query.q, rows, previous: around.previous, next: around.next }))
}

/// A session as the account's page lists it.
struct SessionRow {
    device: String,
    ip: String,
    signed_in: String,
    last_used: String,
}

/// A security event as the account's page lists it.
struct EventRow {
    at: String,
    kind: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "admin_user.html")]
struct UserPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    error: &'a str,
    user: &'a users::Model,
    admin: bool,
    created: String,
    code: bool,
    passkeys: u64,
    /// The providers the account signs in with, each with how it knows the person.
    upstreams: Vec<String>,
    sessions: Vec<SessionRow>,
    organizations: Vec<(String, String)>,
    balances: String,
    last_sign_in: String,
    events: Vec<EventRow>,
}

/// The account `id` (not an erased one), or no page.
pub(super) async fn account(state: &AppState, id: &str) -> Result<users::Model, PageError> {
    store::users::find(&state.db, id)
        .await?
        .filter(|u| u.role != store::users::DELETED_ROLE)
        .ok_or(PageError::NoSuchPage(StatusCode::NOT_FOUND, "admin-no-such-user"))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(
    State(state): State<AppState>,
    _: Admin,
    t: Lang,
    csrf: Csrf,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let user = account(&state, &id).await?;
    user_page(&state, &t, &csrf, &user, StatusCode::OK, "").await
}

async fn user_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    user: &users::Model,
    status: StatusCode,
    error: &str,
) -> Result<Response, PageError> {
    let db = &state.db;
    let sessions = auth_sessions::list_active(db, &user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            device: device::label(t, s.device_name, s.user_agent),
            ip: s.ip.unwrap_or_default(),
            signed_in: shown(s.auth_time),
            last_used: shown(s.last_used_at),
        })
        .collect();
    let known = state.upstreams.all(db).await?;
    let upstreams = upstream_identities::of_user(db, &user.id)
        .await?
        .into_iter()
        .map(|linked| {
            let upstream = known.iter().find(|u| u.id() == linked.upstream_id);
            let name = upstream.map_or(linked.upstream_id.clone(), |u| u.name().to_owned());
            match linked.email.or(linked.username) {
                Some(who) => format!("{name} ({who})"),
                None => name,
            }
        })
        .collect();
    let organizations =
        organizations::of_user(db, &user.id).await?.into_iter().map(|(org, role)| (org.name, role)).collect();
    let (free, paid) = ledger::wallet_balances(db, &user.id).await?;
    let last = Filter {
        user_id: Some(user.id.clone()),
        kind: Some("sign_in.succeeded".into()),
        limit: 1,
        ..Default::default()
    };
    let last_sign_in = security_events::list(db, last).await?.first().map(|e| shown(e.created_at));
    let recent = Filter { user_id: Some(user.id.clone()), limit: EVENTS_SHOWN, ..Default::default() };
    let events = security_events::list(db, recent)
        .await?
        .into_iter()
        .map(|e| EventRow { at: shown(e.created_at), kind: e.kind, ip: e.ip.unwrap_or_default() })
        .collect();
    let page = UserPage {
        t,
        csrf: csrf.token(),
        error,
        user,
        admin: user.role == store::users::ADMIN_ROLE,
        created: shown(user.created_at),
        code: store::mfa::enabled(db, &user.id).await?,
        passkeys: store::passkeys::count_of_user(db, &user.id).await?,
        upstreams,
        sessions,
        organizations,
        balances: t.with("admin-balances", &[("free", free.into()), ("paid", paid.into())]),
        last_sign_in: last_sign_in.unwrap_or_else(|| t.get("admin-never")),
        events,
    };
    Ok(render(status, &page))
}

/// Back to the account's page after a change.
fn back_to(user: &users::Model) -> Response {
    Redirect::to(&format!("/admin/users/{}", user.id)).into_response()
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_sessions(State(state): State<AppState>, action: UserAction) -> Result<Response, PageError> {
    let UserAction { admin, target: user, .. } = action;
    let ended = admin::users::end_sessions(&state.db, &user.id, &admin.user.id).await?;
    notify_clients_of(&state, &ended, &user.id).await;
    tracing::info!(user_id = %user.id, admin = %admin.user.id, ended = ended.len(), "sessions ended by an administrator");
    Ok(back_to(&user))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn grant_admin(State(state): State<AppState>, action: UserAction) -> Result<Response, PageError> {
    roles::grant_admin(&state.db, &action.target, By::Admin(&action.admin.user.id)).await?;
    Ok(back_to(&action.target))
}

/// Disables the account and signs it out everywhere; never an administrator's.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn disable(State(state): State<AppState>, t: Lang, action: UserAction) -> Result<Response, PageError> {
    let UserAction { admin, target: user, csrf, .. } = action;
    if user.role == store::users::ADMIN_ROLE {
        return user_page(&state, &t, &csrf, &user, StatusCode::CONFLICT, &t.get("admin-disable-admin")).await;
    }
    if let Some(ended) = admin::users::disable(&state.db, &user.id, &admin.user.id).await? {
        notify_clients_of(&state, &ended, &user.id).await;
        tracing::info!(user_id = %user.id, admin = %admin.user.id, "account disabled by an administrator");
    }
    Ok(back_to(&user))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn enable(State(state): State<AppState>, action: UserAction) -> Result<Response, PageError> {
    admin::users::enable(&state.db, &action.target.id, &action.admin.user.id).await?;
    Ok(back_to(&action.target))
}

/// Takes the role back; never from the last administrator.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn revoke_admin(State(state): State<AppState>, t: Lang, action: UserAction) -> Result<Response, PageError> {
    let UserAction { admin, target: user, csrf, .. } = action;
    match roles::revoke_admin(&state.db, &user, By::Admin(&admin.user.id)).await? {
        Revoked::Last => user_page(&state, &t, &csrf, &user, StatusCode::CONFLICT, &t.get("admin-last-admin")).await,
        Revoked::Done | Revoked::NotAdmin => Ok(back_to(&user)),
    }
}

/// Turns the authenticator-app step off, for someone who lost the app and the recovery
/// codes.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn reset_mfa(State(state): State<AppState>, action: UserAction) -> Result<Response, PageError> {
    admin::users::reset_second_step(&state.db, &action.target.id, &action.admin.user.id).await?;
    Ok(back_to(&action.target))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn send_reset(State(state): State<AppState>, action: UserAction) -> Result<Response, PageError> {
    admin::users::send_reset_mail(&state.security, &action.target, &action.admin.user.id).await?;
    Ok(back_to(&action.target))
}

/// Erases the account as its own deletion does, once its email is typed again; never
/// an administrator's.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn delete(
    State(state): State<AppState>,
    t: Lang,
    action: UserAction<Confirm>,
) -> Result<Response, PageError> {
    let UserAction { admin, target: user, csrf, fields } = action;
    let (status, message) = if user.role == store::users::ADMIN_ROLE {
        (StatusCode::CONFLICT, t.get("admin-delete-admin"))
    } else if store::users::normalize_email(&fields.confirm) != user.email {
        (StatusCode::BAD_REQUEST, t.get("admin-delete-mismatch"))
    } else {
        match erasure::erase(&state.db, &user.id, erasure::By::Admin(&admin.user.id)).await {
            Ok(ended) => {
                notify_clients_of(&state, &ended, &user.id).await;
                return Ok(Redirect::to("/admin/users").into_response());
            }
            Err(ErasureError::SoleOwner(organization)) => {
                (StatusCode::CONFLICT, t.arg("delete-sole-owner", "organization", organization))
            }
            Err(ErasureError::Store(err)) => return Err(err.into()),
            Err(ErasureError::Posting(err)) => return Err(PageError::Internal(err.to_string())),
        }
    };
    user_page(&state, &t, &csrf, &user, status, &message).await
}
