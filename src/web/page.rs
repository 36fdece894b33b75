//! Rendering hosted pages with their security headers, and the error page.

use crate::{
    security::{limits::Throttled, opaque::random_token},
    web::input::Refusal,
};
use askama::Template;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

/// The policy of a page: no framing (clickjacking), our own stylesheet and images,
/// scripts and inline styles only with this response's nonce (our script files carry
/// it, so nothing injected can run), scripts that fetch only from us, and forms
/// posted only to us, or on to the client the page's flow ends at: browsers apply
/// `form-action` to the redirects after a submission too.
fn policy(form_target: Option<&str>, nonce: &str) -> String {
    let target = form_target.and_then(source_of).map(|s| format!(" {s}")).unwrap_or_default();
    format!(
        "default-src 'none'; script-src 'nonce-{nonce}'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; \
         connect-src 'self'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'{target}"
    )
}

/// The CSP source that allows `uri`: its origin, or its scheme for an app's own scheme.
fn source_of(uri: &str) -> Option<String> {
    let url = url::Url::parse(uri).ok()?;
    match url.scheme() {
        "http" | "https" => Some(url.origin().ascii_serialization()),
        scheme => Some(format!("{scheme}:")),
    }
}

pub fn render(status: StatusCode, page: &impl Template) -> Response {
    render_toward(status, page, None)
}

/// Renders a page whose form leads on to `form_target` (a client's redirect URI).
pub fn render_toward(status: StatusCode, page: &impl Template, form_target: Option<&str>) -> Response {
    respond(status, page, form_target, &random_token(16))
}

/// A fresh nonce for the scripts of one page.
pub fn script_nonce() -> String {
    random_token(16)
}

/// Renders a page that loads our scripts, each `<script>` carrying `nonce` (from
/// `script_nonce`), which the policy allows.
pub fn render_scripted(status: StatusCode, page: &impl Template, form_target: Option<&str>, nonce: &str) -> Response {
    respond(status, page, form_target, nonce)
}

fn respond(status: StatusCode, page: &impl Template, form_target: Option<&str>, nonce: &str) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            if let Ok(policy) = HeaderValue::from_str(&policy(form_target, nonce)) {
                headers.insert(header::CONTENT_SECURITY_POLICY, policy);
            }
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(err) => {
            tracing::error!(error = %err, "page rendering failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub title: &'a str,
    pub message: &'a str,
}

/// A page that only tells something, with an optional way on.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage<'a> {
    pub title: &'a str,
    pub message: &'a str,
    pub link: &'a str,
    pub link_text: &'a str,
}

/// A notice page, answered 200.
pub fn notice(title: &str, message: &str, link: &str, link_text: &str) -> Response {
    render(StatusCode::OK, &NoticePage { title, message, link, link_text })
}

/// What a hosted page answers when it cannot go on. Never redirects.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    /// Input refused before any handler: malformed, too large, of the wrong media type.
    #[error("{}", .0.message)]
    Refused(Refusal),
    /// No page at this address, or not for this method.
    #[error("{1}")]
    NoSuchPage(StatusCode, &'static str),
    #[error("too many requests")]
    Throttled(Throttled),
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<Refusal> for PageError {
    fn from(refusal: Refusal) -> Self {
        PageError::Refused(refusal)
    }
}

/// A message in lower case (`the body is too large`) as the start of a sentence on a page.
pub fn capitalized(message: &str) -> String {
    let mut chars = message.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

impl From<Throttled> for PageError {
    fn from(throttled: Throttled) -> Self {
        PageError::Throttled(throttled)
    }
}

impl From<crate::store::StoreError> for PageError {
    fn from(err: crate::store::StoreError) -> Self {
        if err.is_unavailable() { PageError::Unavailable } else { PageError::Internal(err.to_string()) }
    }
}

impl From<crate::security::passwords::PasswordError> for PageError {
    fn from(err: crate::security::passwords::PasswordError) -> Self {
        PageError::Internal(err.to_string())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, title, message) = match &self {
            PageError::BadRequest(m) => (StatusCode::BAD_REQUEST, "Request refused", m.clone()),
            PageError::Forbidden(m) => (StatusCode::FORBIDDEN, "Request refused", m.clone()),
            PageError::Refused(refusal) => {
                (refusal.status, "Request refused", format!("{}.", capitalized(&refusal.message)))
            }
            PageError::NoSuchPage(status, m) => {
                (*status, status.canonical_reason().unwrap_or("Request refused"), (*m).to_owned())
            }
            PageError::Throttled(throttled) => (
                StatusCode::TOO_MANY_REQUESTS,
                "Slow down",
                format!("Too many attempts. Try again in {} seconds.", throttled.retry_after),
            ),
            PageError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Unavailable",
                "The service is unavailable. Try again shortly.".into(),
            ),
            PageError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                (StatusCode::INTERNAL_SERVER_ERROR, "Something went wrong", "Something went wrong on our side.".into())
            }
        };
        let mut response = render(status, &ErrorPage { title, message: &message });
        if let PageError::Throttled(throttled) = self {
            throttled.stamp(&mut response);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_go_to_us_and_on_to_the_client_only() {
        let plain = policy(None, "n0nce");
        assert!(plain.ends_with("form-action 'self'"), "{plain}");
        assert!(plain.contains("script-src 'nonce-n0nce';"), "{plain}");
        assert!(!plain.contains("unsafe-inline"));
        assert!(
            policy(Some("https://app.example.org:8443/cb?x=1"), "n")
                .ends_with("form-action 'self' https://app.example.org:8443")
        );
        assert!(policy(Some("com.example.app:/callback"), "n").ends_with("form-action 'self' com.example.app:"));
        assert!(policy(Some("not a uri"), "n").ends_with("form-action 'self'"));
    }

    #[test]
    fn every_response_has_a_nonce_of_its_own_that_its_scripts_carry() {
        let policy_of = |response: &Response| response.headers()[header::CONTENT_SECURITY_POLICY].clone();
        let error = ErrorPage { title: "t", message: "m" };
        assert_ne!(policy_of(&render(StatusCode::OK, &error)), policy_of(&render(StatusCode::OK, &error)));
        let nonce = script_nonce();
        let csp = policy_of(&render_scripted(StatusCode::OK, &error, None, &nonce));
        assert!(csp.to_str().expect("ascii").contains(&format!("'nonce-{nonce}'")), "{csp:?}");
    }
}
