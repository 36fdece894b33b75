//! `Authorization: Bearer` tokens (RFC 6750 §2.1).

use axum::http::HeaderMap;

use crate::dpop::presented::{Scheme, presented};

/// The bearer token of a request, if it carries exactly one well-formed one.
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    presented(headers).filter(|p| p.scheme == Scheme::Bearer).map(|p| p.token)
}
