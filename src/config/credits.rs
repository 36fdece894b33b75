//! The credits ledger: the signup bonus, the daily free credits, Stripe, the packages
//! on sale.

use serde::Deserialize;

use super::Secret;

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditsConfig {
    pub signup_bonus: i64,
    pub daily_free: i64,
    pub idempotency_ttl_secs: i64,
    pub stripe_webhook_secret: Option<Secret>,
    /// Stripe's secret API key; `MANA_AUTH_STRIPE_SECRET_KEY` overrides it.
    pub stripe_secret_key: Option<Secret>,
    /// Base URL of Stripe's API, without `/v1`.
    pub stripe_api_base: String,
    #[serde(default)]
    pub packages: Vec<PackageConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageConfig {
    pub id: String,
    pub name: String,
    pub credits: i64,
    pub price_cents: i64,
    pub currency: String,
}
