//! Integration tests: the real app on a random port, a fresh database per test,
//! spoken to over HTTP as relying parties, browsers and resource servers do.

#![forbid(unsafe_code)]

mod account_deletion;
mod account_security;
mod anonymous_visitors;
mod api_account;
mod api_auth;
mod api_organizations;
mod api_scopes;
mod authorize_errors;
mod backups;
mod browser_e2e;
mod browser_passkeys;
mod client_metadata;
mod common;
mod concurrency;
mod connections;
mod control_characters;
mod cors;
mod credits;
mod device;
mod discovery;
mod dpop;
mod dpop_codes;
mod emails;
mod error_shapes;
mod force_reset;
mod import;
mod keys;
mod layers;
mod mfa;
mod notify;
mod oidc_flow;
mod operators;
mod ops;
mod outage;
mod pages;
mod par;
mod passkey_pages;
mod passkey_second_step;
mod passkeys;
mod pgbouncer;
mod purchases;
mod read_replica;
mod recovery;
mod refresh_retry;
mod registration;
mod replicas;
mod resources;
mod revocation;
mod schema_commands;
mod session_lifetime;
mod token_attacks;
mod token_errors;
mod userinfo_tokens;
