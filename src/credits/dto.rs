//! The JSON shapes of `/api/v1/credits`, with their OpenAPI schemas.

use entity::{credit_packages, credit_purchases, credit_transactions};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::web::timestamp::rfc3339;

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    /// Free and paid credits together.
    pub balance: i64,
    pub free_credits_remaining: i64,
    pub paid_credits: i64,
    pub total_earned: i64,
    pub total_spent: i64,
}

/// A movement of the caller's credits.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Movement {
    pub id: String,
    pub amount: i64,
    /// Of a spend: how much came from the free credits, and how much from the paid ones.
    pub from_free: i64,
    pub from_paid: i64,
    pub balance_after: i64,
    /// RFC 3339.
    pub created_at: String,
}

impl From<&credit_transactions::Model> for Movement {
    fn from(tx: &credit_transactions::Model) -> Self {
        Self {
            id: tx.id.clone(),
            amount: tx.amount,
            from_free: tx.from_free,
            from_paid: tx.from_paid,
            balance_after: tx.balance_after,
            created_at: rfc3339(tx.created_at),
        }
    }
}

/// A spend refused for want of credits (402).
#[derive(Serialize, ToSchema)]
pub struct Insufficient {
    /// `insufficient_credits`.
    pub error: &'static str,
    pub message: String,
    /// What the caller has.
    pub balance: i64,
}

/// One entry of the caller's history, newest first.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub movement: Movement,
    /// `signup_bonus`, `daily_free`, `purchase`, `adjustment`, `spend` or `account_closed`.
    #[serde(rename = "type")]
    pub kind: String,
    pub app_id: Option<String>,
    pub description: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl From<&credit_transactions::Model> for HistoryEntry {
    fn from(tx: &credit_transactions::Model) -> Self {
        Self {
            movement: Movement::from(tx),
            kind: tx.kind.clone(),
            app_id: tx.app_id.clone(),
            description: tx.description.clone(),
            metadata: tx.metadata.as_deref().and_then(|m| serde_json::from_str(m).ok()),
        }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Package {
    pub id: String,
    pub name: String,
    pub credits: i64,
    pub price_cents: i64,
    /// ISO 4217, lower case.
    pub currency: String,
}

impl From<credit_packages::Model> for Package {
    fn from(p: credit_packages::Model) -> Self {
        Self { id: p.id, name: p.name, credits: p.credits, price_cents: p.price_cents, currency: p.currency }
    }
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Purchase {
    pub id: String,
    pub package_id: String,
    pub credits: i64,
    pub amount_cents: i64,
    pub currency: String,
    /// `pending`, `completed` or `failed`.
    pub status: String,
    /// RFC 3339.
    pub created_at: String,
    pub completed_at: Option<String>,
}

impl From<&credit_purchases::Model> for Purchase {
    fn from(p: &credit_purchases::Model) -> Self {
        Self {
            id: p.id.clone(),
            package_id: p.package_id.clone(),
            credits: p.credits,
            amount_cents: p.price_cents,
            currency: p.currency.clone(),
            status: p.status.clone(),
            created_at: rfc3339(p.created_at),
            completed_at: p.completed_at.map(rfc3339),
        }
    }
}

/// A new purchase and the Stripe Checkout page where the buyer pays it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Checkout {
    #[serde(flatten)]
    pub purchase: Purchase,
    pub purchase_id: String,
    pub checkout_url: String,
}

/// The webhook's acknowledgement.
#[derive(Serialize, ToSchema)]
pub struct Received {
    pub received: bool,
}
