//! Passkeys on the hosted sign-in pages: signing in with one, or using one as the
//! second step after a password. The page's script asks for options, the browser's
//! authenticator answers, and the answer is posted as a form, which finishes like a
//! password sign-in, inside the authorization request if any.

use axum::{Json, extract::State, http::StatusCode, response::Response};
use serde::Deserialize;
use serde_json::{Value, json};
use webauthn_rs::prelude::PublicKeyCredential;

use super::{
    complete::complete_sign_in,
    signin::{Shown, code_page, owed_step, sign_in_page},
};
use crate::{
    i18n::Lang,
    security::{
        amr,
        passkeys::{PasskeyError, Passkeys},
        policy::Rule,
        signin::second_step_with_passkey,
    },
    state::AppState,
    web::{browser::BrowserSession, client_info::ClientInfo, csrf::Csrf, page::PageError, page_input::PageForm},
};

impl From<PasskeyError> for PageError {
    fn from(err: PasskeyError) -> Self {
        match err {
            PasskeyError::Throttled(throttled) => throttled.into(),
            PasskeyError::Store(err) => err.into(),
            PasskeyError::NotFound => PageError::NoSuchPage(StatusCode::NOT_FOUND, "passkeys-no-such"),
            other => PageError::BadRequest(refusal_key(&other)),
        }
    }
}

/// The relying party, or no page while passkeys are off.
pub fn relying_party(state: &AppState) -> Result<&Passkeys, PageError> {
    state.security.passkeys.as_deref().ok_or(PageError::NoSuchPage(StatusCode::NOT_FOUND, "error-not-found"))
}

/// The relying party, for a form whose CSRF field is checked.
pub fn checked_form<'s>(state: &'s AppState, csrf: &Csrf, field: &str) -> Result<&'s Passkeys, PageError> {
    csrf.check(field)?;
    relying_party(state)
}

#[derive(Deserialize)]
pub struct OptionsForm {
    pub csrf: String,
}

/// Options of a ceremony, for the page's script: `{flowId, publicKey}`.
pub fn ceremony(flow_id: String, public_key: Value) -> Json<Value> {
    Json(json!({ "flowId": flow_id, "publicKey": public_key }))
}

/// Begins a sign-in with a passkey, for the page's script.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn options(
    State(state): State<AppState>,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<OptionsForm>,
) -> Result<Json<Value>, PageError> {
    let (flow_id, public_key) = checked_form(&state, &csrf, &form.csrf)?.start_login(&state.security, &client).await?;
    Ok(ceremony(flow_id, public_key))
}

/// The browser's answer to a ceremony, which the page's script posts as WebAuthn JSON.
pub fn read_answer<T: serde::de::DeserializeOwned>(credential: &str) -> Result<T, PasskeyError> {
    serde_json::from_str(credential).map_err(|_| PasskeyError::Invalid(UNREADABLE))
}

/// A ceremony's answer as the page's script posts it, with the authorization request
/// (`req`) the page continues, if any.
#[derive(Deserialize)]
pub struct AnswerForm {
    pub csrf: String,
    pub flow_id: String,
    pub credential: String,
    #[serde(default)]
    pub req: String,
}

/// Finishes a sign-in with a passkey.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<AnswerForm>,
) -> Result<Response, PageError> {
    let rp = checked_form(&state, &csrf, &form.csrf)?;
    let finished = match read_answer::<PublicKeyCredential>(&form.credential) {
        Ok(answer) => rp.finish_login(&state.security, "page", &form.flow_id, &answer, &client).await,
        Err(err) => Err(err),
    };
    let (status, error) = match finished {
        Ok(signed_in) => {
            let request_id = Some(form.req.as_str()).filter(|r| !r.is_empty());
            return complete_sign_in(&state, &t, &browser, &signed_in.user.id, request_id, client, signed_in.amr).await;
        }
        Err(err) => refusal(err)?,
    };
    sign_in_page(&state, &t, &csrf, &form.req, Shown { status, email: "", error: &t.get(error) }).await
}

/// Begins the second step with a passkey, for the page's script, for the user whose
/// password this browser just had accepted.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn second_step_options(
    State(state): State<AppState>,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<OptionsForm>,
) -> Result<Json<Value>, PageError> {
    let rp = checked_form(&state, &csrf, &form.csrf)?;
    let step = owed_step(&browser).await?;
    let (flow_id, public_key) = rp.start_second_step(&state.security, &step.user_id, &client).await?;
    Ok(ceremony(flow_id, public_key))
}

/// Finishes the second step with a passkey.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn second_step(
    State(state): State<AppState>,
    t: Lang,
    browser: BrowserSession,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<AnswerForm>,
) -> Result<Response, PageError> {
    let rp = checked_form(&state, &csrf, &form.csrf)?;
    let step = owed_step(&browser).await?;
    let finished = match read_answer::<PublicKeyCredential>(&form.credential) {
        Ok(answer) => {
            second_step_with_passkey(&state.security, rp, "page", &step.user_id, &form.flow_id, &answer, &client).await
        }
        Err(err) => Err(err),
    };
    let (status, error) = match finished {
        Ok((user, synced)) => {
            browser.end_second_step().await?;
            let request_id = Some(step.request_id.as_str()).filter(|r| !r.is_empty());
            let amr = amr::passkey(synced, Some(step.first));
            return complete_sign_in(&state, &t, &browser, &user.id, request_id, client, amr).await;
        }
        Err(err) => refusal(err)?,
    };
    code_page(&state, &t, &csrf, status, &t.get(error), &step.user_id, &step.request_id).await
}

/// The status and catalogue key a page answers a refused passkey with; errors that
/// are not about the answer are the page's error.
pub fn refusal(err: PasskeyError) -> Result<(StatusCode, &'static str), PageError> {
    match err {
        PasskeyError::Refused(_) | PasskeyError::CounterRegressed => Ok((StatusCode::UNAUTHORIZED, refusal_key(&err))),
        PasskeyError::UnknownCeremony | PasskeyError::Invalid(_) => Ok((StatusCode::BAD_REQUEST, refusal_key(&err))),
        other => Err(other.into()),
    }
}

/// What a page says of a passkey error, as a catalogue key.
pub fn refusal_key(err: &PasskeyError) -> &'static str {
    match err {
        PasskeyError::Refused(_) | PasskeyError::CounterRegressed => "passkeys-not-accepted",
        PasskeyError::UnknownCeremony => "passkeys-too-slow",
        PasskeyError::Invalid(rule) => rule.key,
        PasskeyError::Registered => "passkeys-registered",
        PasskeyError::NotFound => "passkeys-no-such",
        PasskeyError::LastWay => "passkeys-last-way",
        PasskeyError::Throttled(_) => "error-slow-down",
        PasskeyError::Store(_) => "error-internal",
    }
}

/// A passkey answer a page's script could not have sent.
const UNREADABLE: Rule = Rule { key: "passkeys-unreadable", message: "the passkey's answer is unreadable" };
