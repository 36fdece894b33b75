//! CSRF protection of the hosted forms, by double submission (OWASP): each browser
//! carries a random token in a cookie of its own, and every form echoes it in a hidden
//! field. Nothing is stored for it, so a visitor who only looks at a page costs the
//! provider nothing. The cookie is `HttpOnly` and `SameSite=Lax`, so another site can
//! neither read it nor have it sent with a form it posts.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::Response,
};
use subtle::ConstantTimeEq;
use tower_sessions::cookie::{Cookie, SameSite};

use super::{cookies, page::PageError};
use crate::security::opaque::new_secret;

const COOKIE: &str = "mana_csrf";

/// This browser's CSRF token, for forms to echo and submissions to check.
#[derive(Clone)]
pub struct Csrf {
    token: String,
    /// Whether the browser sent the token: a new one proves nothing yet.
    presented: bool,
}

impl Csrf {
    /// The value of the form's hidden `csrf` field.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Refuses a form whose `csrf` field does not match the browser's cookie.
    pub fn check(&self, field: &str) -> Result<(), PageError> {
        if self.presented && same(&self.token, field) {
            Ok(())
        } else {
            Err(PageError::Forbidden("error-form-expired"))
        }
    }
}

/// Constant-time comparison of the browser's token with the one a form carried.
fn same(expected: &str, presented: &str) -> bool {
    !presented.is_empty() && expected.as_bytes().ct_eq(presented.as_bytes()).into()
}

/// Middleware of the hosted pages: hands the browser's token to the handlers, and
/// gives a browser without one a new one. `secure` marks the cookie for HTTPS only.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn cookie(State(secure): State<bool>, mut request: Request, next: Next) -> Response {
    let presented = cookies::value(request.headers(), COOKIE);
    let csrf = Csrf { token: presented.clone().unwrap_or_else(new_secret), presented: presented.is_some() };
    let issued = (!csrf.presented).then(|| csrf.token.clone());
    request.extensions_mut().insert(csrf);
    let mut response = next.run(request).await;
    if let Some(token) = issued {
        let cookie =
            Cookie::build((COOKIE, token)).path("/").http_only(true).same_site(SameSite::Lax).secure(secure).build();
        cookies::set(&mut response, &cookie);
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Csrf {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Csrf>()
            .cloned()
            .ok_or_else(|| PageError::Internal("the CSRF middleware is not installed on this route".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_token_the_browser_sent_and_the_form_echoes_passes() {
        let sent = Csrf { token: "t0k3n".into(), presented: true };
        assert!(sent.check("t0k3n").is_ok());
        assert!(sent.check("t0k3m").is_err());
        assert!(sent.check("").is_err());
        let fresh = Csrf { token: "t0k3n".into(), presented: false };
        assert!(fresh.check("t0k3n").is_err(), "a browser without the cookie proves nothing");
    }
}
