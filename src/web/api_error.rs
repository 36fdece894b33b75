//! Errors of the native `/api/v1`: `{"error": code, "message": text}` with the right status.

use axum::{
    Json,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    security::{limits::Throttled, passwords::PasswordError, signin::SignInError},
    store::StoreError,
    tokens::TokenError,
    web::input::Refusal,
};

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Set on 429: when to try again.
    pub throttled: Option<Throttled>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), throttled: None }
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// Logs the detail once, here at the boundary; the response stays opaque.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", "internal error")
    }

    pub fn unavailable() -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the service is unavailable; try again shortly")
    }
}

/// Refused input: 413 and 415 keep their status, anything else is a 400.
impl From<Refusal> for ApiError {
    fn from(refusal: Refusal) -> Self {
        let code = match refusal.status {
            StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
            StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
            _ => "invalid_request",
        };
        Self::new(refusal.status, code, refusal.message)
    }
}

impl From<Throttled> for ApiError {
    fn from(throttled: Throttled) -> Self {
        let message = format!("too many requests; try again in {} seconds", throttled.retry_after);
        ApiError {
            throttled: Some(throttled),
            ..Self::new(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", message)
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(err: SignInError) -> Self {
        match err {
            SignInError::Invalid => ApiError::unauthorized("invalid_credentials", "invalid email or password"),
            SignInError::Throttled(throttled) => throttled.into(),
            SignInError::Store(err) => err.into(),
            SignInError::Password(err) => err.into(),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Conflict(_) => ApiError::conflict("conflict", "the resource already exists"),
            err if err.is_unavailable() => ApiError::unavailable(),
            err => ApiError::internal(err),
        }
    }
}

impl From<PasswordError> for ApiError {
    fn from(err: PasswordError) -> Self {
        ApiError::internal(err)
    }
}

impl From<TokenError> for ApiError {
    fn from(err: TokenError) -> Self {
        match err {
            TokenError::Store(err) => err.into(),
            TokenError::Key(err) => ApiError::internal(err),
        }
    }
}

/// The error shape of every API failure.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable, machine-readable code such as `invalid_request`.
    pub error: String,
    /// What went wrong, in words.
    pub message: String,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(ErrorBody { error: self.code.into(), message: self.message })).into_response();
        if let Some(throttled) = self.throttled {
            throttled.stamp(&mut response);
        }
        response
    }
}
