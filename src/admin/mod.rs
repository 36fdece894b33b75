//! Operator commands behind the CLI: clients and users.

pub mod clients;
pub mod users;
