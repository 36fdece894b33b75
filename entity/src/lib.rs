//! Database entities of mana-auth: one module per table, no logic.
//! Models serialise (serde) for backups. Times are UNIX seconds (`i64`) so rows move between SQLite and PostgreSQL unchanged.

#![forbid(unsafe_code)]

pub mod auth_sessions;
pub mod authorization_codes;
pub mod browser_sessions;
pub mod clients;
pub mod consents;
pub mod credit_accounts;
pub mod credit_entries;
pub mod credit_packages;
pub mod credit_purchases;
pub mod credit_transactions;
pub mod device_codes;
pub mod dpop_proofs;
pub mod idempotency_keys;
pub mod initial_access_tokens;
pub mod job_runs;
pub mod jwks;
pub mod notifications;
pub mod organization_members;
pub mod organizations;
pub mod passkey_ceremonies;
pub mod passkey_users;
pub mod passkeys;
pub mod pushed_requests;
pub mod recovery_codes;
pub mod refresh_tokens;
pub mod security_events;
pub mod setup_links;
pub mod totp_credentials;
pub mod upstream_identities;
pub mod upstream_logins;
pub mod upstreams;
pub mod users;
pub mod verification_tokens;
pub mod webhook_events;
