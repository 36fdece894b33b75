//! `/api/v1/credits`: balance, spending, history, packages, purchases and the payment webhook.
//! Every route but the webhook needs a user's token with scope `credits`, or one from the
//! native sign-in; tokens are verified against the key set like any resource server would.

use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::{MethodRouter, get, post},
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    CreditsError,
    checkout::{self, CheckoutError},
    dto::{Balance, Checkout, HistoryEntry, Insufficient, Movement, Package, Purchase},
    grants,
    spend::{self, SpendRequest},
    webhook,
};
use crate::{
    state::AppState,
    store::{ledger, purchases, users},
    web::{
        api_error::{ApiError, ErrorBody},
        caller::{Authorized, Caller, need},
        json::AppJson,
        params::AppQuery,
    },
};

/// The routes of `/api/v1/credits`, each with its path.
pub fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/api/v1/credits/balance", get(balance)),
        ("/api/v1/credits/use", post(use_credits)),
        ("/api/v1/credits/transactions", get(transactions)),
        ("/api/v1/credits/packages", get(packages)),
        ("/api/v1/credits/purchases", get(my_purchases).post(create_purchase)),
        ("/api/v1/credits/webhooks/stripe", post(webhook::stripe)),
    ]
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
pub type CreditsCaller = Authorized<need::Credits>;

/// The caller; grants the day's free credits on the way in. While the database is
/// read-only (the primary down, reads from the replica) the grant waits for a later
/// request, and what is read goes on.
#[tracing::instrument(level = "debug", skip_all)]
async fn credits_caller(state: &AppState, Authorized(caller, _): CreditsCaller) -> Result<Caller, ApiError> {
    match grants::daily_free(&state.db, &state.config.credits, &caller.user_id).await {
        Err(CreditsError::Store(err)) if err.is_unavailable() && state.db.primary_is_down() => {
            tracing::debug!("read-only: the daily free credits wait for the primary");
            Ok(caller)
        }
        granted => granted.map(|_| caller).map_err(ApiError::from),
    }
}

/// The caller's credits; the first credits request of a UTC day grants the daily free ones.
#[utoipa::path(get, path = "/api/v1/credits/balance", tag = "credits", security(("bearer" = [])),
    responses((status = 200, body = Balance), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn balance(State(state): State<AppState>, caller: CreditsCaller) -> Result<Json<Balance>, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    let (free, paid) = ledger::wallet_balances(&state.db, &caller.user_id).await?;
    let earned =
        ledger::total(&state.db, &caller.user_id, &["signup_bonus", "daily_free", "purchase", "adjustment"]).await?;
    let spent = ledger::total(&state.db, &caller.user_id, &["spend"]).await?;
    Ok(Json(Balance {
        balance: free + paid,
        free_credits_remaining: free,
        paid_credits: paid,
        total_earned: earned,
        total_spent: spent,
    }))
}

/// Spends free credits first, then paid ones. A retry with the same `idempotencyKey`
/// gets the first answer and debits nothing; the same key with another body is refused.
#[utoipa::path(post, path = "/api/v1/credits/use", tag = "credits", security(("bearer" = [])), request_body = SpendRequest,
    responses((status = 200, body = Movement), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 402, body = Insufficient), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn use_credits(
    State(state): State<AppState>,
    caller: CreditsCaller,
    AppJson(request): AppJson<SpendRequest>,
) -> Result<Response, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    request.validate()?;
    let answer = spend::spend(&state.db, &caller.user_id, request).await?;
    state.metrics.credits_spent.inc_by(answer.debited.unsigned_abs());
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    Ok((status, Json(answer.body)).into_response())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    /// At most this many entries (1–100, default 50).
    limit: Option<u64>,
    /// Entries to skip.
    offset: Option<u64>,
}

/// The caller's history, newest first.
#[utoipa::path(get, path = "/api/v1/credits/transactions", tag = "credits", security(("bearer" = [])), params(Page),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn transactions(
    State(state): State<AppState>,
    caller: CreditsCaller,
    AppQuery(page): AppQuery<Page>,
) -> Result<Json<Vec<HistoryEntry>>, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    let limit = page.limit.unwrap_or(50);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::bad_request("invalid_request", "limit must be from 1 to 100"));
    }
    let rows = ledger::transactions(&state.db, &caller.user_id, limit, page.offset.unwrap_or(0)).await?;
    Ok(Json(rows.iter().map(HistoryEntry::from).collect()))
}

/// The packages for sale, fewest credits first.
#[utoipa::path(get, path = "/api/v1/credits/packages", tag = "credits", security(("bearer" = [])),
    responses((status = 200, body = Vec<Package>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn packages(State(state): State<AppState>, caller: CreditsCaller) -> Result<Json<Vec<Package>>, ApiError> {
    credits_caller(&state, caller).await?;
    Ok(Json(purchases::active_packages(&state.db).await?.into_iter().map(Package::from).collect()))
}

/// The caller's purchases, newest first.
#[utoipa::path(get, path = "/api/v1/credits/purchases", tag = "credits", security(("bearer" = [])),
    responses((status = 200, body = Vec<Purchase>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn my_purchases(
    State(state): State<AppState>,
    caller: CreditsCaller,
) -> Result<Json<Vec<Purchase>>, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    Ok(Json(purchases::of_user(&state.db, &caller.user_id).await?.iter().map(Purchase::from).collect()))
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct NewPurchase {
    package_id: String,
    /// Where Stripe sends the buyer after paying, and after giving up.
    success_url: String,
    cancel_url: String,
}

impl From<CheckoutError> for ApiError {
    fn from(err: CheckoutError) -> Self {
        match err {
            CheckoutError::NotConfigured => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "purchases_not_configured", err.to_string())
            }
            CheckoutError::Provider(_) => {
                ApiError::new(StatusCode::BAD_GATEWAY, "payment_provider_error", err.to_string())
            }
        }
    }
}

fn web_url(field: &str, value: &str) -> Result<(), ApiError> {
    match url::Url::parse(value) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => Ok(()),
        _ => Err(ApiError::bad_request("invalid_request", format!("`{field}` must be an absolute http(s) URL"))),
    }
}

/// A pending purchase and the Stripe Checkout page where it is paid; the webhook
/// completes it. When Stripe fails (502), the purchase is marked failed and nothing is
/// owed; without a Stripe key (503) nothing is recorded.
#[utoipa::path(post, path = "/api/v1/credits/purchases", tag = "credits", security(("bearer" = [])), request_body = NewPurchase,
    responses((status = 201, body = Checkout), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 502, body = ErrorBody),
        (status = 503, body = ErrorBody)))]
#[tracing::instrument(level = "debug", skip_all)]
pub async fn create_purchase(
    State(state): State<AppState>,
    caller: CreditsCaller,
    AppJson(body): AppJson<NewPurchase>,
) -> Result<Response, ApiError> {
    let caller = credits_caller(&state, caller).await?;
    if checkout::secret_key(&state.config.credits).is_none() {
        return Err(CheckoutError::NotConfigured.into());
    }
    web_url("successUrl", &body.success_url)?;
    web_url("cancelUrl", &body.cancel_url)?;
    let package = purchases::find_package(&state.db, &body.package_id)
        .await?
        .ok_or_else(|| ApiError::not_found("no such package"))?;
    let user = users::find(&state.db, &caller.user_id)
        .await?
        .ok_or_else(|| ApiError::unauthorized("invalid_token", "unknown user"))?;
    let purchase = purchases::create(&state.db, &caller.user_id, &package).await?;
    let order = checkout::Order {
        purchase_id: &purchase.id,
        package_name: &package.name,
        credits: package.credits,
        price_cents: package.price_cents,
        currency: &package.currency,
        email: &user.email,
        success_url: &body.success_url,
        cancel_url: &body.cancel_url,
    };
    match checkout::create_session(&state.http, &state.config.credits, &order).await {
        Ok(checkout_url) => {
            let answer =
                Checkout { purchase_id: purchase.id.clone(), checkout_url, purchase: Purchase::from(&purchase) };
            Ok((StatusCode::CREATED, Json(answer)).into_response())
        }
        Err(err) => {
            tracing::warn!(purchase = %purchase.id, error = %err, "checkout session not created; purchase failed");
            purchases::fail(&state.db, &purchase.id).await?;
            Err(err.into())
        }
    }
}
