//! Operator commands behind the CLI and the admin pages: clients, users, passkeys,
//! credits, backups, keys, audit, sign-in providers.

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
pub mod upstreams;
pub mod users;
