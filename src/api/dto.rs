//! Response shapes of the API (camelCase, times in RFC 3339).

use entity::{auth_sessions, organizations, security_events, users};
use serde::Serialize;
use utoipa::ToSchema;

use crate::tokens::issue::IssuedTokens;
pub use crate::web::timestamp::rfc3339 as timestamp;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserDto {
    pub id: String,
    pub email: String,
    pub name: Option<String>,
    pub email_verified: bool,
    pub created_at: String,
}

impl From<&users::Model> for UserDto {
    fn from(user: &users::Model) -> Self {
        UserDto {
            id: user.id.clone(),
            email: user.email.clone(),
            name: user.name.clone(),
            email_verified: user.email_verified,
            created_at: timestamp(user.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenPair {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: i64,
    pub token_type: &'static str,
}

impl From<IssuedTokens> for TokenPair {
    fn from(issued: IssuedTokens) -> Self {
        TokenPair {
            access_token: issued.access_token,
            refresh_token: issued.refresh_token,
            expires_in: issued.expires_in,
            token_type: "Bearer",
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDto {
    pub id: String,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub user_agent: Option<String>,
    pub ip: Option<String>,
    pub created_at: String,
    pub last_used_at: String,
    pub current: bool,
}

impl SessionDto {
    pub fn new(session: auth_sessions::Model, current_sid: &str) -> Self {
        SessionDto {
            current: session.id == current_sid,
            created_at: timestamp(session.created_at),
            last_used_at: timestamp(session.last_used_at),
            id: session.id,
            device_id: session.device_id,
            device_name: session.device_name,
            user_agent: session.user_agent,
            ip: session.ip,
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganizationDto {
    pub id: String,
    pub name: String,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
}

impl OrganizationDto {
    pub fn new(org: &organizations::Model, role: Option<String>) -> Self {
        OrganizationDto { id: org.id.clone(), name: org.name.clone(), created_at: timestamp(org.created_at), role }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LoginResponse {
    #[serde(flatten)]
    pub tokens: TokenPair,
    pub user: UserDto,
}

/// The first step of a sign-in with two-step verification on.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MfaChallenge {
    pub mfa_required: bool,
    /// Single use, valid five minutes: send it with the code to `/api/v1/auth/mfa/verify`.
    pub mfa_token: String,
}

#[derive(Serialize, ToSchema)]
pub struct Success {
    pub success: bool,
}

impl Success {
    pub fn ok() -> axum::Json<Success> {
        axum::Json(Success { success: true })
    }
}

/// `valid` with the token's claims, or not `valid` with the reason.
#[derive(Serialize, ToSchema)]
pub struct Validation {
    pub valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One entry of the user's audit trail.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityEventDto {
    pub id: String,
    /// e.g. `sign_in.succeeded`, `sign_in.failed`, `account.locked`, `password.changed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub created_at: String,
    pub client_id: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    #[schema(value_type = Object)]
    pub details: Option<serde_json::Value>,
}

impl From<security_events::Model> for SecurityEventDto {
    fn from(event: security_events::Model) -> Self {
        SecurityEventDto {
            created_at: timestamp(event.created_at),
            details: event.details.and_then(|d| serde_json::from_str(&d).ok()),
            id: event.id,
            kind: event.kind,
            client_id: event.client_id,
            ip: event.ip,
            user_agent: event.user_agent,
        }
    }
}

/// A page of security events, newest first; `next` fetches the page after it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SecurityEventsPage {
    pub events: Vec<SecurityEventDto>,
    /// Pass as `before` for older events; absent on the last page.
    pub next: Option<String>,
}
