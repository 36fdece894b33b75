//! OAuth 2.0 errors: JSON bodies for the token-side endpoints (RFC 6749 §5.2) and
//! redirects back to the client for the authorization endpoint (§4.1.2.1).

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde_json::json;
use url::Url;

use crate::{dpop::DPOP_NONCE, keys::KeyError, security::limits::Throttled, store::StoreError};

#[derive(Debug)]
pub struct OAuthError {
    pub status: StatusCode,
    pub code: &'static str,
    pub description: String,
    /// Set on 429: when to try again.
    pub throttled: Option<Throttled>,
    /// Set on `use_dpop_nonce`: the nonce DPoP proofs must carry (RFC 9449 §8).
    pub dpop_nonce: Option<String>,
}

impl OAuthError {
    fn new(status: StatusCode, code: &'static str, description: impl Into<String>) -> Self {
        OAuthError { status, code, description: description.into(), throttled: None, dpop_nonce: None }
    }

    /// A 400 with the code the spec names for the refusal.
    pub fn bad_request(code: &'static str, description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, description)
    }

    /// RFC 6750 §3.1: a bearer token that is missing, unknown, expired or used.
    pub fn invalid_token(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_token", description)
    }

    /// RFC 8707 §2: a resource the client may not ask tokens for.
    pub fn invalid_target(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_target", description)
    }

    pub fn invalid_request(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_request", description)
    }

    pub fn invalid_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "invalid_client", description)
    }

    pub fn invalid_grant(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_grant", description)
    }

    pub fn unauthorized_client(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unauthorized_client", description)
    }

    pub fn unsupported_grant_type(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unsupported_grant_type", description)
    }

    pub fn invalid_scope(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "invalid_scope", description)
    }

    pub fn unsupported_token_type(description: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "unsupported_token_type", description)
    }

    pub fn server_error(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "server_error", "internal error")
    }

    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "the service is unavailable")
    }
}

/// Over a rate limit: 429 with `Retry-After`; the error code is the one RFC 6749
/// registers for a server that cannot take the request now.
impl From<Throttled> for OAuthError {
    fn from(throttled: Throttled) -> Self {
        let description = format!("too many requests; try again in {} seconds", throttled.retry_after);
        OAuthError {
            throttled: Some(throttled),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "temporarily_unavailable", description)
        }
    }
}

impl From<StoreError> for OAuthError {
    fn from(err: StoreError) -> Self {
        if err.is_unavailable() { OAuthError::unavailable() } else { OAuthError::server_error(err) }
    }
}

impl From<crate::tokens::TokenError> for OAuthError {
    fn from(err: crate::tokens::TokenError) -> Self {
        match err {
            crate::tokens::TokenError::Store(err) => err.into(),
            crate::tokens::TokenError::Key(err) => err.into(),
        }
    }
}

impl From<KeyError> for OAuthError {
    fn from(err: KeyError) -> Self {
        OAuthError::server_error(err)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let body = json!({ "error": self.code, "error_description": self.description });
        let mut response = (self.status, Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
        if self.code == "invalid_token" {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        } else if self.status == StatusCode::UNAUTHORIZED {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"mana-auth\""));
        }
        if let Some(throttled) = self.throttled {
            throttled.stamp(&mut response);
        }
        if let Some(nonce) = self.dpop_nonce.and_then(|n| HeaderValue::from_str(&n).ok()) {
            response.headers_mut().insert(DPOP_NONCE, nonce);
        }
        response
    }
}

/// Builds the client's redirect URI with extra query parameters, keeping its own query.
pub fn redirect_with(redirect_uri: &str, params: &[(&str, Option<&str>)]) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return OAuthError::server_error(format!("stored redirect URI does not parse: {redirect_uri}")).into_response();
    };
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in params {
            if let Some(value) = value {
                query.append_pair(name, value);
            }
        }
    }
    Redirect::to(url.as_str()).into_response()
}

/// An authorization error returned to a verified redirect URI (RFC 6749 §4.1.2.1, RFC 9207).
pub struct AuthorizeRedirectError<'a> {
    pub redirect_uri: &'a str,
    pub state: Option<&'a str>,
    pub issuer: &'a str,
    pub code: &'static str,
    pub description: &'a str,
}

impl IntoResponse for AuthorizeRedirectError<'_> {
    fn into_response(self) -> Response {
        redirect_with(
            self.redirect_uri,
            &[
                ("error", Some(self.code)),
                ("error_description", Some(self.description)),
                ("state", self.state),
                ("iss", Some(self.issuer)),
            ],
        )
    }
}
