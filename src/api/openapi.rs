//! The OpenAPI 3.1 document of `/api/v1`, credits included, generated from the handlers
//! and their types.

use utoipa::{
    Modify, OpenApi,
    openapi::security::{Http, HttpAuthScheme, SecurityScheme},
};

use super::{account, auth, mfa, organizations, passkeys, recovery, upstreams};
use crate::credits::{routes as credits, webhook};

#[derive(OpenApi)]
#[openapi(
    info(title = "Mana Core Auth API", description = "The native auth API of mana-auth and its credits ledger. Access tokens are RFC 9068 JWTs signed with Ed25519; verify them against /.well-known/jwks.json. Every failure answers `{error, message}` (ErrorBody)."),
    paths(
        auth::register, auth::login, mfa::verify, mfa::passkey_options, mfa::passkey, auth::refresh, auth::logout, auth::validate, auth::jwks,
        account::me, account::update_me, account::delete_me, account::change_password, account::sessions,
        account::end_session,
        passkeys::registration_options, passkeys::register, passkeys::list, passkeys::rename, passkeys::remove,
        passkeys::login_options, passkeys::login, passkeys::sign_up_options, passkeys::sign_up,
        account::security_events, recovery::forgot_password, recovery::reset_password, recovery::verify_email,
        recovery::resend_verification, upstreams::token,
        organizations::register_b2b, organizations::mine, organizations::members, organizations::add_member,
        organizations::remove_member,
        credits::balance, credits::use_credits, credits::transactions, credits::packages, credits::my_purchases,
        credits::create_purchase, webhook::stripe,
    ),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

/// Declares the `bearer` scheme the secured paths name.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let scheme = Http::builder().scheme(HttpAuthScheme::Bearer).bearer_format("JWT").build();
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}
