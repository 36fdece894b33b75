//! RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0): ends the browser's
//! session, revokes its refresh tokens, tells the clients over the back channel, and
//! returns to a registered `post_logout_redirect_uri`. Without a valid `id_token_hint`
//! for this browser's session, the user confirms first.

use askama::Template;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;

use super::client_metadata::find_client;
use super::{backchannel::notify_clients, error::redirect_with};
use crate::{
    config::SigningAlg,
    i18n::Lang,
    keys::keyset::{Expect, Verified},
    security::audit::{Event, Kind},
    state::AppState,
    store::auth_sessions,
    web::{
        browser::BrowserSession,
        csrf::Csrf,
        page::{PageError, render, render_toward},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Debug, Default, Deserialize)]
pub struct LogoutParams {
    id_token_hint: Option<String>,
    client_id: Option<String>,
    post_logout_redirect_uri: Option<String>,
    state: Option<String>,
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    csrf: String,
    #[serde(flatten)]
    params: LogoutParams,
}

#[derive(Deserialize)]
struct HintClaims {
    aud: String,
    sid: Option<String>,
}

#[derive(Template)]
#[template(path = "logout.html")]
struct ConfirmPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    client_id: &'a str,
    post_logout_redirect_uri: &'a str,
    state: &'a str,
}

#[derive(Template)]
#[template(path = "logged_out.html")]
struct LoggedOutPage {
    t: Lang,
}

/// A checked logout request: where to go afterwards, and the session the hint names.
struct Checked {
    redirect: Option<(String, Option<String>)>,
    hint_sid: Option<String>,
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn logout_get(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    PageParams(params): PageParams<LogoutParams>,
) -> Result<Response, PageError> {
    logout(&state, &t, &browser, &csrf, params).await
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn logout_post(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    PageForm(params): PageForm<LogoutParams>,
) -> Result<Response, PageError> {
    logout(&state, &t, &browser, &csrf, params).await
}

async fn logout(
    state: &AppState,
    t: &Lang,
    browser: &BrowserSession,
    csrf: &Csrf,
    params: LogoutParams,
) -> Result<Response, PageError> {
    let checked = check(state, &params).await?;
    let current = browser.sid().await?;
    let hint_matches = checked.hint_sid.is_some() && (current.is_none() || current == checked.hint_sid);
    if hint_matches {
        return finish(state, browser, checked).await;
    }
    let page = ConfirmPage {
        t,
        csrf: csrf.token(),
        client_id: params.client_id.as_deref().unwrap_or_default(),
        post_logout_redirect_uri: params.post_logout_redirect_uri.as_deref().unwrap_or_default(),
        state: params.state.as_deref().unwrap_or_default(),
    };
    Ok(render_toward(StatusCode::OK, &page, checked.redirect.as_ref().map(|(uri, _)| uri.as_str())))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn logout_confirm(
    State(state): State<AppState>,
    browser: BrowserSession,
    csrf: Csrf,
    PageForm(form): PageForm<ConfirmForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    let params = LogoutParams {
        client_id: form.params.client_id.filter(|c| !c.is_empty()),
        post_logout_redirect_uri: form.params.post_logout_redirect_uri.filter(|u| !u.is_empty()),
        state: form.params.state.filter(|s| !s.is_empty()),
        id_token_hint: None,
    };
    let checked = check(&state, &params).await?;
    finish(&state, &browser, checked).await
}

async fn check(state: &AppState, params: &LogoutParams) -> Result<Checked, PageError> {
    let hint = match params.id_token_hint.as_deref() {
        Some(token) => Some(verify_hint(state, token).await?),
        None => None,
    };
    let client_id = match (hint.as_ref().map(|h| h.aud.as_str()), params.client_id.as_deref()) {
        (Some(aud), Some(named)) if aud != named => {
            return Err(PageError::BadRequest("logout-client-mismatch"));
        }
        (Some(aud), _) => Some(aud),
        (None, named) => named,
    };
    let redirect = match params.post_logout_redirect_uri.as_deref() {
        None => None,
        Some(uri) => {
            let client = match client_id {
                Some(id) => find_client(state, id).await?,
                None => None,
            };
            if !client.is_some_and(|c| c.post_logout_redirect_uris.iter().any(|r| r == uri)) {
                return Err(PageError::BadRequest("logout-uri-unregistered"));
            }
            Some((uri.to_owned(), params.state.clone()))
        }
    };
    Ok(Checked { redirect, hint_sid: hint.and_then(|h| h.sid) })
}

async fn finish(state: &AppState, browser: &BrowserSession, checked: Checked) -> Result<Response, PageError> {
    let mut sids: Vec<String> = browser.sid().await?.into_iter().collect();
    sids.extend(checked.hint_sid.filter(|h| !sids.contains(h)));
    for sid in sids {
        end_session(state, &sid).await?;
    }
    browser.clear().await?;
    Ok(match checked.redirect {
        Some((uri, state)) => redirect_with(&uri, &[("state", state.as_deref())]),
        None => Redirect::to("/logout/done").into_response(),
    })
}

/// Ends one session: revokes it and its refresh tokens, then notifies its clients.
pub async fn end_session(state: &AppState, sid: &str) -> Result<(), PageError> {
    let Some(session) = auth_sessions::find_active(&state.db, sid).await? else { return Ok(()) };
    let txn = state.db.begin().await?;
    let ended = auth_sessions::end(&txn, sid).await?;
    if ended {
        let event = Event::new(Kind::SignedOut).user(session.user_id.as_str());
        event.details(json!({ "session": sid })).write(&txn).await?;
    }
    txn.commit().await?;
    if ended {
        notify_clients(state, sid, &session.user_id).await;
    }
    Ok(())
}

/// An id_token we issued, possibly expired, signed with the algorithm its client's
/// id_tokens use.
async fn verify_hint(state: &AppState, token: &str) -> Result<HintClaims, PageError> {
    let invalid = || PageError::BadRequest("logout-hint-invalid");
    let expect = Expect { typ: "JWT", algs: &[SigningAlg::EdDSA, SigningAlg::RS256], audiences: &[], check_exp: false };
    let keys = state.keys.current();
    let Verified { claims: hint, alg, .. } =
        keys.verify::<HintClaims>(token, &state.config.issuer, &expect).map_err(|_| invalid())?;
    let client = find_client(state, &hint.aud).await?.ok_or_else(invalid)?;
    if client.id_token_signed_response_alg.unwrap_or(state.config.tokens.default_id_token_alg) != alg {
        return Err(invalid());
    }
    Ok(hint)
}

pub async fn logged_out(t: Lang) -> Response {
    render(StatusCode::OK, &LoggedOutPage { t })
}
