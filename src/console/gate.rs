//! Who may open an admin page: a signed-in administrator whose sign-in, with its
//! second step when they have a second factor, is at most 15 minutes old. Anyone else
//! is sent to sign in (again), or refused with 403 when signing in cannot help.

use axum::{
    extract::FromRequestParts,
    http::{Method, request::Parts},
    response::{IntoResponse, Redirect, Response},
};
use entity::users;

use crate::{
    security::signin::SecondFactors,
    state::AppState,
    store::{self, auth_sessions::Lifetime},
    tokens::mint::{ACR_MFA, acr},
    web::{browser::BrowserSession, page::PageError},
};

/// How long a sign-in opens the admin pages.
pub const RECENT_SECS: i64 = 15 * 60;

/// The administrator behind an admin request.
pub struct Admin {
    pub user: users::Model,
}

impl FromRequestParts<AppState> for Admin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let browser = BrowserSession::from_request_parts(parts, state).await.map_err(IntoResponse::into_response)?;
        admit(state, &browser, parts).await.map_err(|refusal| match refusal {
            Refusal::SignIn => Redirect::to("/login?reauth=1").into_response(),
            Refusal::Page(err) => err.into_response(),
        })
    }
}

enum Refusal {
    SignIn,
    Page(PageError),
}

impl<E: Into<PageError>> From<E> for Refusal {
    fn from(err: E) -> Self {
        Refusal::Page(err.into())
    }
}

async fn admit(state: &AppState, browser: &BrowserSession, parts: &Parts) -> Result<Admin, Refusal> {
    let Some(session) = browser.signed_in(&state.db, Lifetime::of(&state.config.sessions)).await? else {
        return Err(Refusal::SignIn);
    };
    let user = store::users::find(&state.db, &session.user_id).await?.ok_or(Refusal::SignIn)?;
    if user.role != store::users::ADMIN_ROLE {
        return Err(Refusal::Page(PageError::Forbidden("admin-only")));
    }
    let factors = SecondFactors::of(&state.security, &user.id).await?;
    let require_mfa = state.config.admin.require_mfa.unwrap_or(state.security.secrets.is_some());
    if require_mfa && !factors.any() {
        return Err(Refusal::Page(PageError::Forbidden("admin-needs-second-factor")));
    }
    let recent = store::now() - session.auth_time <= RECENT_SECS;
    let stepped = !factors.any() || acr(&session.amr) == ACR_MFA;
    if !(recent && stepped) {
        // Back to this page after signing in again; a form goes back to the overview.
        let back = match parts.method {
            Method::GET => parts.uri.path_and_query().map_or("/admin", |p| p.as_str()),
            _ => "/admin",
        };
        browser.return_after_sign_in(back).await?;
        return Err(Refusal::SignIn);
    }
    Ok(Admin { user })
}
