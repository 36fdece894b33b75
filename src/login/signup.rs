//! The sign-up page: creates an account and mails it a confirmation link. An address
//! that already has an account gets the same answer (and its owner a mail).

use askama::Template;
use axum::{extract::State, http::StatusCode, response::Response};
use serde::Deserialize;

use super::signin::PageQuery;
use crate::{
    credits::{CreditsError, grants},
    i18n::Lang,
    security::{
        audit::{Event, Kind},
        policy::check_new_account,
        recovery,
    },
    state::AppState,
    store::{
        StoreError,
        users::{self, NewUser},
    },
    web::{
        client_info::ClientInfo,
        csrf::Csrf,
        page::{PageError, notice, render_scripted, script_nonce},
        page_input::{PageForm, PageParams},
    },
};

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    t: &'a Lang,
    csrf: &'a str,
    req: &'a str,
    email: &'a str,
    username: &'a str,
    name: &'a str,
    error: &'a str,
    /// Whether to offer a sign-up with a passkey, with the script that does it.
    passkeys: bool,
    nonce: &'a str,
}

/// What a sign-up form was filled in with.
#[derive(Default)]
pub struct Filled<'a> {
    pub email: &'a str,
    pub username: &'a str,
    pub name: &'a str,
}

/// The sign-up page for the authorization request `req` (or none), filled in, saying
/// what went wrong.
pub fn sign_up_page(
    state: &AppState,
    t: &Lang,
    csrf: &Csrf,
    req: &str,
    filled: Filled<'_>,
    status: StatusCode,
    error: &str,
) -> Response {
    let nonce = script_nonce();
    let Filled { email, username, name } = filled;
    let passkeys = state.security.passkeys.is_some();
    let page = SignUpPage { t, csrf: csrf.token(), req, email, username, name, error, passkeys, nonce: &nonce };
    render_scripted(status, &page, None, &nonce)
}

#[derive(Deserialize)]
pub struct SignUpForm {
    email: String,
    password: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    csrf: String,
    #[serde(default)]
    req: String,
}

pub async fn show(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    PageParams(query): PageParams<PageQuery>,
) -> Result<Response, PageError> {
    Ok(sign_up_page(&state, &t, &csrf, query.req(), Filled::default(), StatusCode::OK, ""))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn submit(
    State(state): State<AppState>,
    t: Lang,
    csrf: Csrf,
    client: ClientInfo,
    PageForm(form): PageForm<SignUpForm>,
) -> Result<Response, PageError> {
    csrf.check(&form.csrf)?;
    state.limiter.check_address("register", &client, state.config.security.rate_limit.register_per_ip).await?;
    let refuse = |status: StatusCode, error: &str| {
        let filled = Filled { email: &form.email, username: &form.username, name: &form.name };
        sign_up_page(&state, &t, &csrf, &form.req, filled, status, error)
    };
    let username = Some(form.username.trim().to_owned()).filter(|u| !u.is_empty());
    if let Err(rule) = check_new_account(&form.email, &form.password, username.as_deref()) {
        return Ok(refuse(StatusCode::BAD_REQUEST, &t.get(rule.key)));
    }
    // Hashed whether the address is taken or not: both answers take the same time.
    let password_hash = state.passwords.hash(form.password.clone()).await?;
    if let Some(owner) = users::find_by_email(&state.db, &form.email).await? {
        recovery::tell_owner_of_signup_attempt(&state.security, &owner);
        return Ok(check_your_inbox(&t, &form.email, &form.req, PASSWORD));
    }
    let name = Some(form.name.trim().to_owned()).filter(|n| !n.is_empty());
    let language = Some(t.tag().to_owned());
    let new = NewUser { email: form.email.clone(), username, name, password_hash, language };
    let created = Event::new(Kind::AccountCreated).from(&client);
    let user = match grants::register(&state.db, &state.config.credits, new, created).await {
        Ok(user) => user,
        // The address may have been taken a moment ago by a sign-up racing this one.
        Err(CreditsError::Store(StoreError::Conflict(_))) => {
            return match users::find_by_email(&state.db, &form.email).await? {
                Some(owner) => {
                    recovery::tell_owner_of_signup_attempt(&state.security, &owner);
                    Ok(check_your_inbox(&t, &form.email, &form.req, PASSWORD))
                }
                None => Ok(refuse(StatusCode::CONFLICT, &t.get("signup-username-taken"))),
            };
        }
        Err(err) => return Err(PageError::Internal(err.to_string())),
    };
    recovery::send_verification(&state.security, &user).await?;
    Ok(check_your_inbox(&t, &form.email, &form.req, PASSWORD))
}

/// How the new account signs in, as the answer to a sign-up says it: a catalogue key.
const PASSWORD: &str = "signup-inbox-password";
pub const PASSKEY: &str = "signup-inbox-passkey";

/// The one answer to a sign-up, whether the address was new or already had an
/// account (its owner gets a mail saying so): nothing tells the two apart.
pub fn check_your_inbox(t: &Lang, email: &str, req: &str, signs_in_with: &str) -> Response {
    let link = if req.is_empty() { "/login".to_owned() } else { format!("/login?req={req}") };
    notice(t, "inbox-title", &t.arg(signs_in_with, "email", email.trim()), &link, "signup-continue")
}
