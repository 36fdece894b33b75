//! Organizations (B2B): one created with its owner, listed per user, and their members.
//! Organization data stays out of tokens; it is read here when needed.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

use super::{
    auth::{email_taken, new_user},
    dto::{OrganizationDto, Success, UserDto, timestamp},
};
use crate::{
    credits::grants,
    i18n::Lang,
    security::{
        audit::{Event, Kind},
        policy, recovery,
    },
    state::AppState,
    store::{
        StoreError,
        organizations::{self, Removal},
        users,
    },
    web::client_info::ClientInfo,
    web::{
        api_error::{ApiError, ErrorBody},
        caller::{Authorized, Caller, need},
        json::AppJson,
        params::AppPath,
    },
};

const ROLES: [&str; 3] = ["owner", "admin", "member"];

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RegisterB2b {
    organization_name: String,
    owner_email: String,
    owner_password: String,
    owner_name: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct B2bRegistration {
    organization: OrganizationDto,
    user: UserDto,
}

/// Creates the organization and its owner in one transaction.
#[utoipa::path(post, path = "/api/v1/auth/register/b2b", tag = "organizations", request_body = RegisterB2b,
    responses((status = 201, body = B2bRegistration), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn register_b2b(
    State(state): State<AppState>,
    t: Lang,
    client: ClientInfo,
    AppJson(body): AppJson<RegisterB2b>,
) -> Result<Response, ApiError> {
    let name = body.organization_name.trim();
    if name.is_empty() {
        return Err(ApiError::bad_request("invalid_request", "organizationName must not be empty"));
    }
    policy::check_name(name).map_err(|rule| ApiError::bad_request("invalid_request", rule.message))?;
    let new = new_user(&state, &client, &body.owner_email, body.owner_password, body.owner_name, &t).await?;
    let txn = state.db.begin().await?;
    let user = users::create(&txn, new).await.map_err(email_taken)?;
    let organization = organizations::create(&txn, name).await?;
    organizations::add_member(&txn, &organization.id, &user.id, "owner").await?;
    grants::signup_bonus(&txn, &state.config.credits, &user.id).await?;
    let created = Event::new(Kind::AccountCreated).user(user.id.as_str()).from(&client);
    created.details(json!({ "organization": organization.id })).write(&txn).await?;
    txn.commit().await?;
    recovery::send_verification(&state.security, &user).await?;
    let body = B2bRegistration {
        organization: OrganizationDto::new(&organization, Some("owner".into())),
        user: UserDto::from(&user),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

#[utoipa::path(get, path = "/api/v1/auth/organizations", tag = "organizations", security(("bearer" = [])),
    responses((status = 200, body = Vec<OrganizationDto>), (status = 401, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn mine(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Organizations>,
) -> Result<Json<Vec<OrganizationDto>>, ApiError> {
    let memberships = organizations::of_user(&state.db, &caller.user_id).await?;
    Ok(Json(memberships.into_iter().map(|(org, role)| OrganizationDto::new(&org, Some(role))).collect()))
}

#[derive(Serialize, ToSchema)]
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

#[utoipa::path(get, path = "/api/v1/organizations/{id}/members", tag = "organizations", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id")),
    responses((status = 200, body = Vec<MemberDto>), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn members(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Organizations>,
    AppPath(id): AppPath<String>,
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

#[derive(Deserialize, ToSchema)]
pub struct AddMember {
    email: String,
    role: String,
}

/// Owners and admins add members by email; only owners make owners.
#[utoipa::path(post, path = "/api/v1/organizations/{id}/members", tag = "organizations", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id")), request_body = AddMember,
    responses((status = 201, body = MemberDto), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn add_member(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Organizations>,
    AppPath(id): AppPath<String>,
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
#[utoipa::path(delete, path = "/api/v1/organizations/{id}/members/{user_id}", tag = "organizations", security(("bearer" = [])),
    params(("id" = String, Path, description = "organization id"), ("user_id" = String, Path, description = "member's user id")),
    responses((status = 200, body = Success), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn remove_member(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::Organizations>,
    AppPath((id, user_id)): AppPath<(String, String)>,
) -> Result<Json<Success>, ApiError> {
    let role = caller_role(&state, &id, &caller).await?;
    let target_role =
        organizations::role_of(&state.db, &id, &user_id).await?.ok_or_else(|| ApiError::not_found("no such member"))?;
    let leaving = user_id == caller.user_id;
    let allowed = leaving || role == "owner" || (role == "admin" && target_role != "owner");
    if !allowed {
        return Err(ApiError::forbidden("your role may not remove this member"));
    }
    let txn = state.db.begin().await?;
    match organizations::remove_member(&txn, &id, &user_id).await? {
        Removal::Removed => {
            txn.commit().await?;
            Ok(Success::ok())
        }
        Removal::NotMember => Err(ApiError::not_found("no such member")),
        Removal::LastOwner => Err(ApiError::conflict("last_owner", "the last owner cannot be removed")),
    }
}
