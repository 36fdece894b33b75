//! Rendering hosted pages with their security headers, and the error page.

use std::sync::Arc;

use crate::{
    i18n::Lang,
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
    pub t: &'a Lang,
    pub title: &'a str,
    pub message: &'a str,
    /// What exactly was wrong with the input, as the API says it; empty for the rest.
    pub detail: &'a str,
}

/// A page that only tells something, with an optional way on.
#[derive(Template)]
#[template(path = "notice.html")]
pub struct NoticePage<'a> {
    pub t: &'a Lang,
    pub title: &'a str,
    pub message: &'a str,
    pub link: &'a str,
    pub link_text: &'a str,
}

/// A notice page, answered 200: its title and link text are catalogue keys, its
/// message is written already.
pub fn notice(t: &Lang, title: &str, message: &str, link: &str, link_text: &str) -> Response {
    let (title, link_text) = (t.get(title), t.get(link_text));
    render(StatusCode::OK, &NoticePage { t, title: &title, message, link, link_text: &link_text })
}

/// What a hosted page answers when it cannot go on. Never redirects. The messages are
/// catalogue keys: the page is written in the reader's language (`web::language`).
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{0}")]
    BadRequest(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
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

impl PageError {
    fn status(&self) -> StatusCode {
        match self {
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Forbidden(_) => StatusCode::FORBIDDEN,
            PageError::Refused(refusal) => refusal.status,
            PageError::NoSuchPage(status, _) => *status,
            PageError::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The page's title and message in the reader's language.
    fn words(&self, t: &Lang) -> (String, String) {
        match self {
            PageError::BadRequest(key) | PageError::Forbidden(key) => (t.get("error-refused"), t.get(key)),
            PageError::Refused(refusal) => {
                let key = match refusal.status {
                    StatusCode::PAYLOAD_TOO_LARGE => "error-too-large",
                    StatusCode::UNSUPPORTED_MEDIA_TYPE => "error-media-type",
                    _ => "error-malformed",
                };
                (t.get("error-refused"), t.get(key))
            }
            PageError::NoSuchPage(status, key) => {
                let title = match *status {
                    StatusCode::NOT_FOUND => "error-not-found-title",
                    StatusCode::METHOD_NOT_ALLOWED => "error-not-allowed-title",
                    StatusCode::GONE => "error-gone-title",
                    _ => "error-refused",
                };
                (t.get(title), t.get(key))
            }
            PageError::Throttled(throttled) => {
                (t.get("error-slow-down"), t.arg("error-throttled", "seconds", throttled.retry_after))
            }
            PageError::Unavailable => (t.get("error-unavailable-title"), t.get("error-unavailable")),
            PageError::Internal(_) => (t.get("error-went-wrong"), t.get("error-internal")),
        }
    }
}

/// A page error on its way out, written by the language middleware in the reader's
/// language.
#[derive(Clone)]
pub struct Unwritten(Arc<PageError>);

impl Unwritten {
    /// The error page, in place of the bare answer that carried it.
    pub fn write(&self, t: &Lang, bare: Response) -> Response {
        let (title, message) = self.0.words(t);
        let detail = match &*self.0 {
            PageError::Refused(refusal) => refusal.message.as_str(),
            _ => "",
        };
        let mut page = render(bare.status(), &ErrorPage { t, title: &title, message: &message, detail });
        if let PageError::Throttled(throttled) = *self.0 {
            throttled.stamp(&mut page);
        }
        page
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::Internal(detail) = &self {
            tracing::error!(error = %detail, "internal error");
        }
        let mut response = self.status().into_response();
        response.extensions_mut().insert(Unwritten(Arc::new(self)));
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
        let t = crate::i18n::Languages::built_in("en").expect("catalogues").named(None);
        let error = ErrorPage { t: &t, title: "t", message: "m", detail: "" };
        assert_ne!(policy_of(&render(StatusCode::OK, &error)), policy_of(&render(StatusCode::OK, &error)));
        let nonce = script_nonce();
        let csp = policy_of(&render_scripted(StatusCode::OK, &error, None, &nonce));
        assert!(csp.to_str().expect("ascii").contains(&format!("'nonce-{nonce}'")), "{csp:?}");
    }
}
