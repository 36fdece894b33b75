//! Schema migrations, append-only: never edit one that has landed, add a new one.

#![forbid(unsafe_code)]

pub use sea_orm_migration::prelude::*;

mod m20261125_000001_create_core_tables;
mod m20261125_000002_add_devices_and_organizations;
mod m20261125_000003_create_credits_ledger;
mod m20261125_000004_create_security_events;
mod m20261125_000005_create_verification_tokens;
mod m20261125_000006_add_totp_mfa;
mod m20261130_000001_link_refresh_successors;
mod m20261201_000001_mark_introspecting_clients;
mod m20261206_000001_add_pushed_authorization_requests;
mod m20261206_000002_create_device_codes;
mod m20261206_000003_add_resource_indicators;
mod m20261206_000004_add_client_registration;
mod m20261206_000005_add_dpop;
mod m20261206_000006_create_job_runs;
mod m20261206_000007_create_notifications;
mod m20261206_000008_add_job_finished_at;
mod m20261207_000001_derive_system_balances;
mod m20261207_000002_create_passkeys;
mod m20261207_000003_create_setup_links;
mod m20261207_000004_add_user_language;
mod m20261207_000005_add_user_disabled_at;
mod m20261207_000006_add_verification_new_email;
mod m20261207_000007_add_client_disabled_at;
mod m20261207_000008_create_upstream_identities;
mod m20261207_000009_create_upstreams;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_create_core_tables::Migration),
            Box::new(m20261125_000002_add_devices_and_organizations::Migration),
            Box::new(m20261125_000003_create_credits_ledger::Migration),
            Box::new(m20261125_000004_create_security_events::Migration),
            Box::new(m20261125_000005_create_verification_tokens::Migration),
            Box::new(m20261125_000006_add_totp_mfa::Migration),
            Box::new(m20261130_000001_link_refresh_successors::Migration),
            Box::new(m20261201_000001_mark_introspecting_clients::Migration),
            Box::new(m20261206_000001_add_pushed_authorization_requests::Migration),
            Box::new(m20261206_000002_create_device_codes::Migration),
            Box::new(m20261206_000003_add_resource_indicators::Migration),
            Box::new(m20261206_000004_add_client_registration::Migration),
            Box::new(m20261206_000005_add_dpop::Migration),
            Box::new(m20261206_000006_create_job_runs::Migration),
            Box::new(m20261206_000007_create_notifications::Migration),
            Box::new(m20261206_000008_add_job_finished_at::Migration),
            Box::new(m20261207_000001_derive_system_balances::Migration),
            Box::new(m20261207_000002_create_passkeys::Migration),
            Box::new(m20261207_000003_create_setup_links::Migration),
            Box::new(m20261207_000004_add_user_language::Migration),
            Box::new(m20261207_000005_add_user_disabled_at::Migration),
            Box::new(m20261207_000006_add_verification_new_email::Migration),
            Box::new(m20261207_000007_add_client_disabled_at::Migration),
            Box::new(m20261207_000008_create_upstream_identities::Migration),
            Box::new(m20261207_000009_create_upstreams::Migration),
        ]
    }
}
