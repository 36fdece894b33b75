//! `/api/v1/credits`: balance, spending, history, packages, purchases and the payment webhook.
//! Every route but the webhook needs a user's token with scope `credits`, or one from the
//! native sign-in; tokens are verified against the key set like any resource server would.

use axum::{
    Json, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{CreditsError, grants, spend, webhook};
use crate::{
    state::AppState,
    store::{ledger, purchases},
    web::{
        api_error::ApiError,
        caller::{Authorized, Caller, need},
        json::AppJson,
        params::AppQuery,
        timestamp::rfc3339,
    },
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/credits/balance", get(balance))
        .route("/api/v1/credits/use", post(use_credits))
        .route("/api/v1/credits/transactions", get(transactions))
        .route("/api/v1/credits/packages", get(packages))
        .route("/api/v1/credits/purchases", get(my_purchases).post(create_purchase))
        .route("/api/v1/credits/webhooks/stripe", post(webhook::stripe))
}

impl From<CreditsError> for ApiError {
    fn from(err: CreditsError) -> Self {
        match err {
            CreditsError::KeyReused => {
                ApiError::conflict("idempotency_key_reused", "this idempotency key was used for a different request")
            }
            CreditsError::Invalid(message) => ApiError::bad_request("invalid_request", message),
            CreditsError::Store(err) => err.into(),
            CreditsError::Posting(err) => ApiError::internal(err),
        }
    }
}

/// A caller whose token may use credits.
type CreditsCaller = Authorized<need::Credits>;

/// The caller; grants the day's free credits on the way in.
#[tracing::instrument(level = "debug", skip_all)]
async fn credits_caller(state: &AppState, Authorized(caller, _): CreditsCaller) -> Result<Caller, ApiError> {
    grants::daily_free(&state.db, &state.config.credits, &caller.user_id).await?;
    Ok(caller)
}

#[tracing::instrument(level = "debug", skip_all)]
async fn balance(State(state): State<AppState>, caller: CreditsCaller) -> Result<Json<Value>, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    let (free, paid) = ledger::wallet_balances(&state.db, &caller.user_id).await?;
    let earned =
        ledger::total(&state.db, &caller.user_id, &["signup_bonus", "daily_free", "purchase", "adjustment"]).await?;
    let spent = ledger::total(&state.db, &caller.user_id, &["spend"]).await?;
    Ok(Json(json!({
        "balance": free + paid,
        "freeCreditsRemaining": free,
        "paidCredits": paid,
        "totalEarned": earned,
        "totalSpent": spent,
    })))
}

#[tracing::instrument(level = "debug", skip_all)]
async fn use_credits(
    State(state): State<AppState>,
    caller: CreditsCaller,
    AppJson(request): AppJson<spend::SpendRequest>,
) -> Result<Response, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    request.validate()?;
    let answer = spend::spend(&state.db, &caller.user_id, request).await?;
    state.metrics.credits_spent.inc_by(answer.debited.unsigned_abs());
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok((status, Json(answer.body)).into_response())
}

#[derive(Deserialize)]
struct Page {
    limit: Option<u64>,
    offset: Option<u64>,
}

#[tracing::instrument(level = "debug", skip_all)]
async fn transactions(
    State(state): State<AppState>,
    caller: CreditsCaller,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<Vec<Value>>, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    let limit = page.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("invalid_request", "limit must be from 1 to 100"));
    }
    let rows = ledger::transactions(&state.db, &caller.user_id, limit, page.offset.unwrap_or(0)).await?;
    Ok(Json(
        rows.iter()
            .map(|tx| {
                let mut item = spend::transaction_json(tx);
                item["type"] = json!(tx.kind);
                item["appId"] = json!(tx.app_id);
                item["description"] = json!(tx.description);
                item["metadata"] =
                    tx.metadata.as_deref().and_then(|m| serde_json::from_str(m).ok()).unwrap_or(Value::Null);
                item
            })
            .collect(),
    ))
}

#[tracing::instrument(level = "debug", skip_all)]
async fn packages(State(state): State<AppState>, caller: CreditsCaller) -> Result<Json<Vec<Value>>, ApiError> {
    credits_caller(&state, caller).await?;
    let packages = purchases::active_packages(&state.db).await?;
    Ok(Json(
        packages
            .into_iter()
            .map(|p| json!({"id": p.id, "name": p.name, "credits": p.credits, "priceCents": p.price_cents, "currency": p.currency}))
            .collect(),
    ))
}

fn purchase_json(p: &entity::credit_purchases::Model) -> Value {
    json!({
        "id": p.id,
        "packageId": p.package_id,
        "credits": p.credits,
        "amountCents": p.price_cents,
        "currency": p.currency,
        "status": p.status,
        "createdAt": rfc3339(p.created_at),
        "completedAt": p.completed_at.map(rfc3339),
    })
}

#[tracing::instrument(level = "debug", skip_all)]
async fn my_purchases(State(state): State<AppState>, caller: CreditsCaller) -> Result<Json<Vec<Value>>, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    Ok(Json(purchases::of_user(&state.db, &caller.user_id).await?.iter().map(purchase_json).collect()))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct NewPurchase {
    package_id: String,
}

/// A pending purchase with the amount to pay; the payment provider's webhook completes it.
#[tracing::instrument(level = "debug", skip_all)]
async fn create_purchase(
    State(state): State<AppState>,
    caller: CreditsCaller,
    AppJson(body): AppJson<NewPurchase>,
) -> Result<Response, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    let package = purchases::find_package(&state.db, &body.package_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such package"))?;
    let purchase = purchases::create(&state.db, &caller.user_id, &package).await?;
    Ok((StatusCode::CREATED, Json(purchase_json(&purchase))).into_response())
}
