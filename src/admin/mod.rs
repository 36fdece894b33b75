//! Operator commands behind the CLI: clients, users, credits, backups, keys.

pub mod backups;
pub mod clients;
pub mod credits;
pub mod keys;
pub mod users;
