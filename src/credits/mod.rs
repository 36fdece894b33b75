//! Credits: a double-entry ledger served as a protected resource. 100 credits = 1 EUR;
//! free credits (signup bonus, daily) are spent before paid ones; no wallet goes negative.

pub mod checkout;
pub mod dto;
pub mod grants;
pub mod routes;
pub mod spend;
pub mod stripe;
pub mod webhook;

use crate::store::{StoreError, ledger::PostingError};

pub use routes::routes;

#[derive(Debug, thiserror::Error)]
pub enum CreditsError {
    #[error("idempotency key reused with a different request")]
    KeyReused,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Posting(#[from] PostingError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<sea_orm::DbErr> for CreditsError {
    fn from(err: sea_orm::DbErr) -> Self {
        CreditsError::Store(err.into())
    }
}
