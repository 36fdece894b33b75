//! The access token an account's identity at another provider (an upstream) holds,
//! where that upstream keeps it (`store_tokens`): for the person's own applications,
//! which need the `upstream_tokens` scope. Each read is a security event.

use axum::{
    Json,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use crate::{
    api::dto::timestamp,
    security::audit::{Event, Kind},
    state::AppState,
    store::upstream_identities,
    web::{
        api_error::{ApiError, ErrorBody},
        caller::{Authorized, need},
    },
};

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UpstreamToken {
    access_token: String,
    token_type: String,
    /// RFC 3339; absent when the upstream did not say.
    expires_at: Option<String>,
    scope: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/auth/upstreams/{id}/token", tag = "account", security(("bearer" = [])),
    params(("id" = String, Path, description = "the upstream's id in [[upstreams]]")),
    responses((status = 200, body = UpstreamToken), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn token(
    State(state): State<AppState>,
    Authorized(caller, _): Authorized<need::UpstreamTokens>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let none = || ApiError::not_found("no token of this provider is kept for the account");
    let upstream = state.upstreams.get(&state.db, &id).await?.ok_or_else(none)?;
    let linked = upstream_identities::of_user_at(&state.db, &caller.user_id, &id).await?.ok_or_else(none)?;
    let sealed = linked.tokens.as_deref().ok_or_else(none)?;
    let tokens = upstream.open_kept(sealed, &linked.issuer, &linked.subject).ok_or_else(none)?;
    let read = Event::new(Kind::UpstreamTokenRead).user(caller.user_id.as_str()).client(&caller.client_id);
    read.details(json!({ "upstream": id })).record(&state.db).await;
    let body = UpstreamToken {
        access_token: tokens.access_token,
        token_type: tokens.token_type,
        expires_at: tokens.expires_at.map(timestamp),
        scope: tokens.scope,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}
