//! Rendering hosted pages with their security headers, and the error page.

use crate::security::limits::Throttled;
use askama::Template;
use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

/// Pages may not be framed (clickjacking) and load only our own stylesheet.
const PAGE_CSP: &str =
    "default-src 'none'; style-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'";

pub fn render(status: StatusCode, page: &impl Template) -> Response {
    match page.render() {
        Ok(html) => {
            let mut response = (status, Html(html)).into_response();
            let headers = response.headers_mut();
            headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
            headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(PAGE_CSP));
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

/// What a hosted page answers when it cannot go on. Never redirects.
#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Forbidden(String),
    #[error("too many requests")]
    Throttled(Throttled),
    #[error("service unavailable")]
    Unavailable,
    #[error("internal error: {0}")]
    Internal(String),
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
