//! Hosted pages: sign-in (with a password, a passkey or another identity provider),
//! sign-up, consent, the signed-in home page and the account pages.

mod account_delete;
mod complete;
pub mod consent;
mod device;
pub mod home;
mod mfa_setup;
mod passkey_setup;
mod passkey_signin;
mod passkey_signup;
pub mod recovery;
mod setup;
pub mod signin;
mod signup;
pub mod upstream;

use axum::{
    Router,
    routing::{get, post},
};

use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/static/style.css", get(home::stylesheet))
        .route("/login", get(signin::show).post(signin::submit))
        .route("/login/mfa", post(signin::submit_code))
        .route("/login/upstream/{id}", get(upstream::start))
        .route("/login/upstream/{id}/callback", get(upstream::callback))
        .route("/login/passkey/options", post(passkey_signin::options))
        .route("/login/passkey", post(passkey_signin::submit))
        .route("/login/mfa/passkey/options", post(passkey_signin::second_step_options))
        .route("/login/mfa/passkey", post(passkey_signin::second_step))
        .route("/static/passkeys.js", get(home::script))
        .route("/account/passkeys", get(passkey_setup::show).post(passkey_setup::add))
        .route("/account/passkeys/options", post(passkey_setup::options))
        .route("/account/passkeys/{id}/rename", post(passkey_setup::rename))
        .route("/account/passkeys/{id}/remove", post(passkey_setup::remove))
        .route("/account/mfa", get(mfa_setup::show).post(mfa_setup::confirm))
        .route("/account/mfa/disable", post(mfa_setup::disable))
        .route("/account/delete", get(account_delete::show).post(account_delete::submit))
        .route("/account/delete/sign-in", get(account_delete::sign_in_again))
        .route("/setup", get(setup::show).post(setup::submit))
        .route("/signup", get(signup::show).post(signup::submit))
        .route("/signup/passkey/options", post(passkey_signup::options))
        .route("/signup/passkey", post(passkey_signup::submit))
        .route("/password/forgot", get(recovery::forgot).post(recovery::forgot_submit))
        .route("/password/reset", get(recovery::reset).post(recovery::reset_submit))
        .route("/email/verify", get(recovery::verify_email))
        .route("/consent", get(consent::show).post(consent::submit))
        .route("/device", get(device::show).post(device::submit))
}
