//! The payment provider's webhook: a signed `checkout.session.completed` credits its
//! purchase exactly once; a replayed, forged or stale event changes nothing.

use axum::{
    Json,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use serde::Deserialize;
use serde_json::Value;

use super::{CreditsError, dto::Received, grants, stripe};
use crate::{
    state::AppState,
    store::{now, purchases},
    web::api_error::{ApiError, ErrorBody},
};

#[derive(Deserialize)]
struct Event {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    data: EventData,
}

#[derive(Deserialize)]
struct EventData {
    object: Value,
}

/// Stripe's events, signed with `credits.stripe_webhook_secret` (`Stripe-Signature`,
/// five minutes' tolerance): `checkout.session.completed` credits its purchase once.
#[utoipa::path(post, path = "/api/v1/credits/webhooks/stripe", tag = "credits",
    params(("Stripe-Signature" = String, Header, description = "t=…,v1=…")),
    request_body(content = Object, description = "A Stripe event", content_type = "application/json"),
    responses((status = 200, body = Received), (status = 400, body = ErrorBody), (status = 503, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn stripe(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    let secret = state.config.credits.stripe_webhook_secret.as_ref().ok_or_else(|| {
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "webhook_not_configured",
            "credits.stripe_webhook_secret is not set",
        )
    })?;
    let signature = headers
        .get("stripe-signature")
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| ApiError::bad_request("invalid_signature", "the Stripe-Signature header is missing"))?;
    stripe::verify(signature, &body, secret.expose(), now())
        .map_err(|e| ApiError::bad_request("invalid_signature", e.to_string()))?;
    let event: Event = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request("invalid_request", format!("not an event: {e}")))?;
    process(&state, &event).await?;
    Ok(Json(Received { received: true }).into_response())
}

/// Records the event first: a replay stops there. Then credits the purchase it completes.
async fn process(state: &AppState, event: &Event) -> Result<(), CreditsError> {
    let txn = state.db.begin().await?;
    if !purchases::record_event(&txn, &event.id).await? {
        txn.rollback().await?;
        tracing::info!(event = %event.id, "payment event replayed; ignored");
        return Ok(());
    }
    if event.kind == "checkout.session.completed" {
        complete_checkout(&txn, &event.data.object).await?;
    }
    txn.commit().await?;
    Ok(())
}

async fn complete_checkout(txn: &crate::store::bounded::Txn, session: &Value) -> Result<(), CreditsError> {
    let purchase_id = session["client_reference_id"].as_str().or_else(|| session["metadata"]["purchase_id"].as_str());
    let Some(purchase) = (match purchase_id {
        Some(id) => purchases::find(txn, id).await?,
        None => None,
    }) else {
        tracing::warn!("checkout completed for an unknown purchase");
        return Ok(());
    };
    let paid = session["payment_status"].as_str() == Some("paid")
        && session["amount_total"].as_i64() == Some(purchase.price_cents)
        && session["currency"].as_str().map(str::to_lowercase).as_deref() == Some(purchase.currency.as_str());
    if !paid {
        tracing::warn!(purchase = %purchase.id, "checkout does not match the purchase; not credited");
        return Ok(());
    }
    if purchases::complete(txn, &purchase.id).await? {
        grants::purchase(txn, &purchase.user_id, &purchase.id, purchase.credits).await?;
        tracing::info!(purchase = %purchase.id, credits = purchase.credits, "purchase credited");
    }
    Ok(())
}
