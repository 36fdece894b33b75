//! Organizations (B2B): one created with its owner, listed per user, and their members.
//! Organization data stays out of tokens; it is read here when needed.

use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use sea_orm::TransactionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    auth::{email_taken, new_user},
    caller::Caller,
    dto::{OrganizationDto, UserDto, timestamp},
};
use crate::{
    security::policy,
    state::AppState,
    store::{
        StoreError,
        organizations::{self, Removal},
        users,
    },
    web::{api_error::ApiError, json::AppJson},
};

const ROLES: [&str; 3] = ["owner", "admin", "member"];

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterB2b {
    organization_name: String,
    owner_email: String,
    owner_password: String,
    owner_name: Option<String>,
}

/// Creates the organization and its owner in one transaction.
pub async fn register_b2b(
    State(state): State<AppState>,
    AppJson(body): AppJson<RegisterB2b>,
) -> Result<Response, ApiError> {
    let name = body.organization_name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("invalid_request", "organizationName must not be empty"));
    }
    policy::check_name(name).map_err(|rule| ApiError::bad_request("invalid_request", rule))?;
    let new = new_user(&state, &body.owner_email, body.owner_password, body.owner_name).await?;
    let txn = state.db.begin().await.map_err(StoreError::from)?;
    let user = users::create(&txn, new).await.map_err(email_taken)?;
    let organization = organizations::create(&txn, name).await?;
    organizations::add_member(&txn, &organization.id, &user.id, "owner").await?;
    txn.commit().await.map_err(StoreError::from)?;
    let body = json!({
        "organization": OrganizationDto::new(&organization, Some("owner".into())),
        "user": UserDto::from(&user),
    });
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn mine(State(state): State<AppState>, caller: Caller) -> Result<Json<Vec<OrganizationDto>>, ApiError> {
    let memberships = organizations::of_user(&state.db, &caller.user_id).await?;
    Ok(Json(memberships.into_iter().map(|(org, role)| OrganizationDto::new(&org, Some(role))).collect()))
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberDto {
    user_id: String,
    email: String,
    name: Option<String>,
    role: String,
    joined_at: String,
}

/// The caller's role; organizations the caller is not in do not exist for the caller.
async fn caller_role(state: &AppState, organization_id: &str, caller: &Caller) -> Result<String, ApiError> {
    organizations::role_of(&state.db, organization_id, &caller.user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such organization"))
}

pub async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<MemberDto>>, ApiError> {
    caller_role(&state, &id, &caller).await?;
    let members = organizations::members(&state.db, &id).await?;
    Ok(Json(
        members
            .into_iter()
            .map(|(m, u)| MemberDto {
                user_id: u.id,
                email: u.email,
                name: u.name,
                role: m.role,
                joined_at: timestamp(m.created_at),
            })
            .collect(),
    ))
}

#[derive(Deserialize)]
pub struct AddMember {
    email: String,
    role: String,
}

/// Owners and admins add members by email; only owners make owners.
pub async fn add_member(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    AppJson(body): AppJson<AddMember>,
) -> Result<Response, ApiError> {
    if !ROLES.contains(&body.role.as_str()) {
        return Err(ApiError::bad_request("invalid_request", "role must be owner, admin or member"));
    }
    let role = caller_role(&state, &id, &caller).await?;
    if role == "member" || (body.role == "owner" && role != "owner") {
        return Err(ApiError::forbidden("your role may not add this member"));
    }
    let user = users::find_by_email(&state.db, &body.email)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "user_not_found", "no account has this email"))?;
    organizations::add_member(&state.db, &id, &user.id, &body.role).await.map_err(|e| match e {
        StoreError::Conflict(_) => ApiError::conflict("already_member", "this user is already a member"),
        other => other.into(),
    })?;
    let member = MemberDto {
        user_id: user.id,
        email: user.email,
        name: user.name,
        role: body.role,
        joined_at: timestamp(crate::store::now()),
    };
    Ok((StatusCode::CREATED, Json(member)).into_response())
}

/// Owners and admins remove members (admins not owners); anyone may leave; the last owner stays.
pub async fn remove_member(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, user_id)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let role = caller_role(&state, &id, &caller).await?;
    let target_role =
        organizations::role_of(&state.db, &id, &user_id).await?.ok_or_else(|| ApiError::not_found("no such member"))?;
    let leaving = user_id == caller.user_id;
    let allowed = leaving || role == "owner" || (role == "admin" && target_role != "owner");
    if !allowed {
        return Err(ApiError::forbidden("your role may not remove this member"));
    }
    match organizations::remove_member(&state.db, &id, &user_id).await? {
        Removal::Removed => Ok(Json(json!({ "success": true }))),
        Removal::NotMember => Err(ApiError::not_found("no such member")),
        Removal::LastOwner => Err(ApiError::conflict("last_owner", "the last owner cannot be removed")),
    }
}
