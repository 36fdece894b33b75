//! Operator commands behind the CLI: clients, users, credits.

pub mod backups;
pub mod clients;
pub mod credits;
pub mod users;
