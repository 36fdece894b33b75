//! `/account/sessions`: where the account is signed in (device, address, when), and
//! signing out one of them or every one but this browser.

use askama::Template;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::member::Member;
use crate::{
    i18n::Lang,
    oidc::backchannel::notify_clients_of,
    security::self_service,
    state::AppState,
    store::auth_sessions,
    web::{
        client_info::ClientInfo,
        csrf::Csrf,
        device,
        page::{PageError, render},
        page_input::PageForm,
        timestamp::shown,
    },
};

/// A session as the page lists it.
struct SessionRow {
    id: String,
    device: String,
    ip: String,
    signed_in: String,
    last_used: String,
    /// This browser's own session.
    current: bool,
}

#[derive(Template)]
#[template(path = "account_sessions.html")]
struct SessionsPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    sessions: Vec<SessionRow>,
}

#[derive(Deserialize)]
pub struct EndForm {
    session: String,
    csrf: String,
}

#[derive(Deserialize)]
pub struct EndOthersForm {
    csrf: String,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn show(State(state): State<AppState>, t: Lang, csrf: Csrf, member: Member) -> Result<Response, PageError> {
    let mut sessions: Vec<SessionRow> = auth_sessions::list_active(&state.db, &member.user.id)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: s.id == member.sid,
            device: device::label(&t, s.device_name, s.user_agent),
            ip: s.ip.unwrap_or_default(),
            signed_in: shown(s.auth_time),
            last_used: shown(s.last_used_at),
            id: s.id,
        })
        .collect();
    // This browser first.
    sessions.sort_by_key(|s| !s.current);
    Ok(render(axum::http::StatusCode::OK, &SessionsPage { t: &t, csrf: csrf.token(), sessions }))
}

/// Signs one session out; this browser's own is signed out with the sign-out link.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_one(
    State(state): State<AppState>,
    csrf: Csrf,
    member: Member,
    client: ClientInfo,
    PageForm(form): PageForm<EndForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    if form.session == member.sid {
        return Ok(Redirect::to("/logout").into_response());
    }
    if self_service::end_session(&state.db, &member.user.id, &form.session, &client).await? {
        notify_clients_of(&state, &[form.session], &member.user.id).await;
    }
    Ok(Redirect::to("/account/sessions").into_response())
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn end_others(
    State(state): State<AppState>,
    csrf: Csrf,
    member: Member,
    client: ClientInfo,
    PageForm(form): PageForm<EndOthersForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let ended = self_service::end_other_sessions(&state.db, &member.user.id, &member.sid, &client).await?;
    notify_clients_of(&state, &ended, &member.user.id).await;
    Ok(Redirect::to("/account/sessions").into_response())
}
