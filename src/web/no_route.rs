//! Answers for addresses no route serves (RFC 9110 §15.5.5) and methods a route does not
//! take (§15.5.6), in the shape of the surface asked: the API's JSON error under `/api/v1`,
//! a page with the usual headers elsewhere.

use axum::{
    http::{StatusCode, Uri},
    response::{IntoResponse, Response},
};

use super::{api_error::ApiError, page::PageError};

fn is_api(uri: &Uri) -> bool {
    uri.path() == "/api/v1" || uri.path().starts_with("/api/v1/")
}

pub async fn not_found(uri: Uri) -> Response {
    if is_api(&uri) {
        ApiError::not_found("no such route").into_response()
    } else {
        PageError::NoSuchPage(StatusCode::NOT_FOUND, "error-not-found").into_response()
    }
}

pub async fn method_not_allowed(uri: Uri) -> Response {
    if is_api(&uri) {
        ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", "this route does not take this method")
            .into_response()
    } else {
        PageError::NoSuchPage(StatusCode::METHOD_NOT_ALLOWED, "error-not-allowed").into_response()
    }
}
