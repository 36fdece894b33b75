//! A per-address budget for the hosted pages and the authorization endpoint, so one
//! address cannot keep the provider busy rendering pages and checking requests.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};

use super::{client_info::ClientInfo, page::PageError};
use crate::state::AppState;

/// Middleware of the browser routes: `security.rate_limit.pages_per_ip` requests per window.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn limit(State(state): State<AppState>, client: ClientInfo, request: Request, next: Next) -> Response {
    let limit = state.config.security.rate_limit.pages_per_ip;
    match state.limiter.check_address("pages", &client, limit).await {
        Ok(()) => next.run(request).await,
        Err(throttled) => PageError::from(throttled).into_response(),
    }
}
