//! Creating an account on the sign-up page with a passkey and no password. As for a
//! sign-up with a password, an address that already has an account gets the same
//! answer, and its owner a mail.

use axum::{Json, extract::State, http::StatusCode, response::Response};
use serde::Deserialize;
use serde_json::Value;
use webauthn_rs::prelude::RegisterPublicKeyCredential;

use super::{
    passkey_signin::{AnswerForm, ceremony, checked_form, read_answer, refusal},
    signup::{Filled, PASSKEY, check_your_inbox, sign_up_page},
};
use crate::{
    credits::{CreditsError, grants},
    i18n::Lang,
    security::{
        audit::{Event, Kind},
        recovery,
    },
    state::AppState,
    store::{StoreError, users},
    web::{client_info::ClientInfo, csrf::Csrf, page::PageError, page_input::PageForm},
};

#[derive(Deserialize)]
pub struct OptionsForm {
    csrf: String,
    email: String,
    #[serde(default)]
    name: String,
}

/// Begins the sign-up, for the page's script. Whether the address is taken is not
/// told here.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn options(
    State(state): State<AppState>,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<OptionsForm>,
) -> Result<Json<Value>, PageError> {
    let rp = checked_form(&state, &csrf, &form.csrf)?;
    state.limiter.check_address("register", &client, state.config.security.rate_limit.register_per_ip).await?;
    let (flow_id, public_key) = rp.start_sign_up(&state.security, &form.email, Some(form.name)).await?;
    Ok(ceremony(flow_id, public_key))
}

/// Creates the account with its passkey and mails the confirmation link.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<AnswerForm>,
) -> Result<Response, PageError> {
    let rp = checked_form(&state, &csrf, &form.csrf)?;
    let verified = match read_answer::<RegisterPublicKeyCredential>(&form.credential) {
        Ok(answer) => rp.finish_sign_up(&state.security, &form.flow_id, "Passkey", &answer).await,
        Err(err) => Err(err),
    };
    let signup = match verified {
        Ok(signup) => signup,
        Err(err) => {
            let (status, error) = refusal(err)?;
            return Ok(sign_up_page(&state, &t, &csrf, &form.req, Filled::default(), status, &t.get(error)));
        }
    };
    let email = signup.email.clone();
    let created = Event::new(Kind::AccountCreated).from(&client);
    match grants::register_with_passkey(&state.db, &state.config.credits, signup, t.tag(), created, &client).await {
        Ok(user) => recovery::send_verification(&state.security, &user).await?,
        Err(CreditsError::Store(StoreError::Conflict(_))) => match users::find_by_email(&state.db, &email).await? {
            Some(owner) => recovery::tell_owner_of_signup_attempt(&state.security, &owner),
            None => {
                let error = t.get("passkeys-registered");
                let status = StatusCode::CONFLICT;
                return Ok(sign_up_page(&state, &t, &csrf, &form.req, Filled::default(), status, &error));
            }
        },
        Err(err) => return Err(PageError::Internal(err.to_string())),
    }
    Ok(check_your_inbox(&t, &email, &form.req, PASSKEY))
}
