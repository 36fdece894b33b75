//! Stripe Checkout: a purchase becomes a Checkout Session through Stripe's HTTP API
//! (form-encoded `POST /v1/checkout/sessions`), and the buyer pays on Stripe's page.
//! The webhook completes the purchase afterwards.

use std::time::Duration;

use serde::Deserialize;

use crate::config::CreditsConfig;

/// How long Stripe may take to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum CheckoutError {
    #[error("purchases are not configured: the operator has not set a Stripe secret key")]
    NotConfigured,
    #[error("the payment provider failed: {0}")]
    Provider(String),
}

/// What the Checkout Session sells and to whom.
pub struct Order<'a> {
    pub purchase_id: &'a str,
    pub package_name: &'a str,
    pub credits: i64,
    pub price_cents: i64,
    pub currency: &'a str,
    pub email: &'a str,
    pub success_url: &'a str,
    pub cancel_url: &'a str,
}

#[derive(Deserialize)]
struct Session {
    url: String,
}

#[derive(Deserialize)]
struct StripeError {
    error: StripeErrorBody,
}

#[derive(Deserialize)]
struct StripeErrorBody {
    message: Option<String>,
}

/// Stripe's secret key: `MANA_AUTH_STRIPE_SECRET_KEY`, else `credits.stripe_secret_key`.
pub fn secret_key(config: &CreditsConfig) -> Option<String> {
    std::env::var("MANA_AUTH_STRIPE_SECRET_KEY")
        .ok()
        .filter(|k| !k.is_empty())
        .or_else(|| config.stripe_secret_key.as_ref().map(|k| k.expose().to_owned()))
}

/// Creates the Checkout Session of `order`; returns the URL of its payment page.
pub async fn create_session(
    http: &reqwest::Client,
    config: &CreditsConfig,
    order: &Order<'_>,
) -> Result<String, CheckoutError> {
    let key = secret_key(config).ok_or(CheckoutError::NotConfigured)?;
    let url = format!("{}/v1/checkout/sessions", config.stripe_api_base.trim_end_matches('/'));
    let product = format!("{} ({} credits)", order.package_name, order.credits);
    let amount = order.price_cents.to_string();
    let form = [
        ("mode", "payment"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", order.currency),
        ("line_items[0][price_data][unit_amount]", &amount),
        ("line_items[0][price_data][product_data][name]", &product),
        ("client_reference_id", order.purchase_id),
        ("metadata[purchase_id]", order.purchase_id),
        ("customer_email", order.email),
        ("success_url", order.success_url),
        ("cancel_url", order.cancel_url),
    ];
    let response = http
        .post(url)
        .bearer_auth(key)
        // A retry of the same purchase never opens a second session.
        .header("Idempotency-Key", order.purchase_id)
        .timeout(TIMEOUT)
        .form(&form)
        .send()
        .await
        .map_err(|e| {
            CheckoutError::Provider(if e.is_timeout() { "no answer in time".into() } else { e.to_string() })
        })?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| CheckoutError::Provider(e.to_string()))?;
    if !status.is_success() {
        let message = serde_json::from_slice::<StripeError>(&body).ok().and_then(|e| e.error.message);
        return Err(CheckoutError::Provider(format!("{status}: {}", message.unwrap_or_else(|| "no message".into()))));
    }
    let session: Session = serde_json::from_slice(&body)
        .map_err(|e| CheckoutError::Provider(format!("an unexpected Checkout Session: {e}")))?;
    Ok(session.url)
}
