//! `Authorization: Bearer` tokens (RFC 6750 §2.1).

use axum::http::{HeaderMap, header};

/// The bearer token of a request, if it carries exactly one well-formed one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty() && !token.contains(' ')).then_some(token)
}
