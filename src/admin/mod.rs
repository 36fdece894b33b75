//! Operator commands behind the CLI: clients, users, passkeys, credits, backups, keys,
//! audit.

pub mod audit;
pub mod backups;
pub mod clients;
pub mod credits;
pub mod force_reset;
pub mod keys;
pub mod mfa;
pub mod passkeys;
pub mod roles;
pub mod setup;
pub mod users;
