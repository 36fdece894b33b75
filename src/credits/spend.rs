//! Spending credits: free before paid, never below zero, once per idempotency key.

use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    CreditsError,
    dto::{Insufficient, Movement},
};
use crate::{
    security::opaque::digest_bytes,
    store::{
        db::Db,
        idempotency,
        ledger::{self, Posting},
    },
};

/// The largest single spend accepted; anything above is a mistake, not a purchase.
pub const MAX_AMOUNT: i64 = 1_000_000;

#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SpendRequest {
    pub amount: i64,
    pub app_id: String,
    pub description: String,
    pub idempotency_key: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

impl SpendRequest {
    pub fn validate(&self) -> Result<(), CreditsError> {
        let invalid = |m: &str| Err(CreditsError::Invalid(m.into()));
        if !(1..=MAX_AMOUNT).contains(&self.amount) {
            return invalid("amount must be a whole number from 1 to 1000000");
        }
        if self.app_id.trim().is_empty() || self.app_id.len() > 64 {
            return invalid("appId must be 1 to 64 characters");
        }
        if self.description.chars().count() > 500 {
            return invalid("description has at most 500 characters");
        }
        if self.idempotency_key.as_ref().is_some_and(|k| k.is_empty() || k.len() > 128) {
            return invalid("idempotencyKey must be 1 to 128 characters");
        }
        if let Some(metadata) = &self.metadata
            && (!metadata.is_object() || metadata.to_string().len() > 4096)
        {
            return invalid("metadata must be a JSON object of at most 4096 bytes");
        }
        Ok(())
    }
}

/// The status and JSON body of a spend, as first answered and as replayed for a retry.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    /// Credits this call took: zero for a refusal or a replay.
    pub debited: i64,
}

/// Spends for `user_id` in one transaction that records the answer under the request's
/// idempotency key. A key recorded before gets that request's answer, and this
/// transaction is undone: a retry, or the same request sent twice at once (the second
/// waits for the first at the wallets), debits once.
pub async fn spend(db: &Db, user_id: &str, request: SpendRequest) -> Result<Answer, CreditsError> {
    let txn = db.begin().await?;
    let answer = spend_in(&txn, user_id, &request).await?;
    if let Some(key) = &request.idempotency_key {
        let body = serde_json::to_vec(&request).map_err(|e| CreditsError::Invalid(e.to_string()))?;
        let request_hash = digest_bytes(&body);
        let response = answer.body.to_string();
        let first = idempotency::Answer { request_hash: &request_hash, status: answer.status, response: &response };
        if !idempotency::record(&txn, user_id, key, first).await? {
            txn.rollback().await?;
            return replay(db, user_id, key, &request_hash).await;
        }
    }
    txn.commit().await?;
    Ok(answer)
}

/// The spend inside `txn`: free credits first, then paid ones, or a refusal when the
/// wallets hold too few.
async fn spend_in(txn: &impl ConnectionTrait, user_id: &str, request: &SpendRequest) -> Result<Answer, CreditsError> {
    let (free, paid) = ledger::take_wallets(txn, user_id).await?;
    if free + paid < request.amount {
        return Ok(Answer {
            status: 402,
            body: json!(Insufficient {
                error: "insufficient_credits",
                message: format!("{} credits needed, {} available", request.amount, free + paid),
                balance: free + paid,
            }),
            debited: 0,
        });
    }
    let from_free = free.min(request.amount);
    let from_paid = request.amount - from_free;
    let entries = [
        (ledger::free_wallet(user_id), -from_free),
        (ledger::paid_wallet(user_id), -from_paid),
        (ledger::SPENDING.to_owned(), request.amount),
    ];
    let posting = Posting {
        user_id: Some(user_id),
        kind: "spend",
        amount: request.amount,
        from_free,
        from_paid,
        balance_after: free + paid - request.amount,
        app_id: Some(request.app_id.clone()),
        description: Some(request.description.clone()),
        metadata: request.metadata.as_ref().map(Value::to_string),
        reference: None,
        entries: entries.into_iter().filter(|(_, amount)| *amount != 0).collect(),
    };
    let tx = ledger::post(txn, posting).await?;
    Ok(Answer { status: 200, body: json!(Movement::from(&tx)), debited: request.amount })
}

/// A retry gets the first answer; the same key for another request is refused.
async fn replay(db: &Db, user_id: &str, key: &str, request_hash: &str) -> Result<Answer, CreditsError> {
    let stored = idempotency::find(db, user_id, key).await?.ok_or(CreditsError::KeyReused)?;
    if stored.request_hash != request_hash {
        return Err(CreditsError::KeyReused);
    }
    let body = serde_json::from_str(&stored.response).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
    Ok(Answer { status: u16::try_from(stored.status).unwrap_or(500), body, debited: 0 })
}
