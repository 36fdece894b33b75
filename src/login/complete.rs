//! What every successful sign-in does: a new session bound to the browser under a
//! fresh cookie id, then on to the waiting authorization request, if any, by a page
//! that refreshes there (`web::onward`); else back to our own page that asked. An
//! identity an upstream vouched for in this browser, waiting for this sign-in, is
//! linked to the account now.

use axum::response::{IntoResponse, Redirect, Response};

use crate::{
    i18n::Lang,
    oidc::authorize::{continue_at, waiting},
    state::AppState,
    store::auth_sessions::{self, Lifetime, NewSession},
    upstream::links,
    web::{browser::BrowserSession, client_info::ClientInfo, onward::fresh_navigation, page::PageError},
};

pub async fn complete_sign_in(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    user_id: &str,
    request_id: Option<&str>,
    client: ClientInfo,
    amr: &'static str,
) -> Result<Response, PageError> {
    if let Some(pending) = browser.take_pending_link().await? {
        let how = links::How::Password;
        match links::link(&state.db, user_id, &pending.upstream_id, &pending.identity, how, &client).await {
            Ok(()) => {}
            Err(links::LinkError::Store(err)) => return Err(err.into()),
            // Linked elsewhere since, or the account has another there: it stays unlinked.
            Err(err) => tracing::info!(user_id, error = %err, "identity not linked at sign-in"),
        }
    }
    let session = auth_sessions::create(
        &state.db,
        NewSession {
            user_id: user_id.to_owned(),
            lifetime: Lifetime::of(&state.config.sessions),
            user_agent: client.user_agent,
            ip: client.ip,
            device_id: None,
            device_name: None,
            amr,
        },
    )
    .await?;
    browser.sign_in(&session.id).await?;
    tracing::info!(user_id, "signed in");
    match request_id {
        Some(req) => {
            let mut pending = waiting(state, req)?;
            pending.signed_in = Some(session.id);
            Ok(fresh_navigation(t, continue_at(state, "/authorize/resume", &pending)?, &pending.redirect_uri))
        }
        None => {
            let back = browser.take_return_to().await?;
            Ok(Redirect::to(back.as_deref().unwrap_or("/")).into_response())
        }
    }
}
