//! Passwords, opaque tokens and their digests, rate limits and the audit trail: how
//! mana-auth guards accounts.

pub mod amr;
pub mod audit;
pub mod client;
pub mod context;
pub mod email_change;
pub mod erasure;
pub mod limits;
pub mod mfa;
pub mod opaque;
pub mod passkeys;
pub mod passwords;
pub mod policy;
pub mod recovery;
pub mod scrypt_hash;
pub mod sealing;
pub mod self_service;
pub mod sign_in_ways;
pub mod signin;
pub mod token_reuse;
