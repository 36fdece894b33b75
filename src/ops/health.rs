//! `/health` says the process answers; `/health/ready` says it can serve: the database
//! answers and signing keys are loaded. Otherwise 503 with what is wrong. What an
//! operator should fix without the process going out of rotation is in `details`; a
//! primary that does not answer while the read replica does is `degraded: read-only`.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;

use crate::{config::SigningAlg, state::AppState};

pub async fn live() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

#[tracing::instrument(level = "debug", skip_all)]
pub async fn ready(State(state): State<AppState>) -> Response {
    let (status, body) = readiness(&state).await;
    (status, Json(body)).into_response()
}

/// What `/health/ready` answers: its status and body.
pub async fn readiness(state: &AppState) -> (StatusCode, serde_json::Value) {
    let mut problems = Vec::new();
    let mut read_only = false;
    if let Err(err) = state.db.ping().await {
        read_only = state.db.read_only().await;
        if !read_only {
            tracing::warn!(error = %err, "readiness: database does not answer");
            problems.push("database: not reachable".to_owned());
        }
    }
    for alg in [SigningAlg::EdDSA, SigningAlg::RS256] {
        if state.keys.current().signer(alg).is_err() {
            problems.push(format!("keys: no active {} signing key", alg.as_str()));
        }
    }
    if problems.is_empty() {
        let mut ready = json!({ "status": "ready" });
        // Reads go on from the replica: the process stays in rotation.
        if read_only {
            ready = json!({ "status": "degraded", "degraded": "read-only" });
        }
        // Not a reason to take the process out of rotation, but one for its operator.
        if crate::admin::backups::schedule_without_key(&state.config) {
            ready["details"] = json!({ "backups": "no backup key: scheduled backups are not written" });
        }
        (StatusCode::OK, ready)
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, json!({ "status": "unavailable", "problems": problems }))
    }
}
