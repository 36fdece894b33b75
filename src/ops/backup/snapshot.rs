//! Every table as logical rows (JSON of the entity models), so a snapshot taken on one
//! engine loads into the other. Tables are listed in foreign-key order.

use std::collections::BTreeMap;

use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, IntoActiveModel};
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use super::BackupError;

/// Rows per INSERT: well under the bind-parameter limits of both engines.
const CHUNK: usize = 500;

async fn dump<E>(db: &impl ConnectionTrait) -> Result<Vec<Value>, BackupError>
where
    E: EntityTrait,
    E::Model: Serialize,
{
    let rows = E::find().all(db).await.map_err(crate::store::StoreError::from)?;
    rows.iter().map(|row| serde_json::to_value(row).map_err(|e| BackupError::Format(e.to_string()))).collect()
}

async fn load<E>(db: &impl ConnectionTrait, rows: &[Value]) -> Result<(), BackupError>
where
    E: EntityTrait,
    E::Model: DeserializeOwned + IntoActiveModel<E::ActiveModel>,
    E::ActiveModel: ActiveModelTrait<Entity = E> + Send,
{
    for chunk in rows.chunks(CHUNK) {
        let models = chunk
            .iter()
            .map(|row| serde_json::from_value::<E::Model>(row.clone()).map(IntoActiveModel::into_active_model))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| BackupError::Format(format!("a row does not fit the schema: {e}")))?;
        E::insert_many(models).exec_without_returning(db).await.map_err(crate::store::StoreError::from)?;
    }
    Ok(())
}

async fn clear<E: EntityTrait>(db: &impl ConnectionTrait) -> Result<(), BackupError> {
    E::delete_many().exec(db).await.map_err(crate::store::StoreError::from)?;
    Ok(())
}

macro_rules! tables {
    ($($name:literal => $entity:ty),* $(,)?) => {
        /// Every table, parents before children.
        pub const TABLES: &[&str] = &[$($name),*];

        pub async fn dump_table(db: &impl ConnectionTrait, name: &str) -> Result<Vec<Value>, BackupError> {
            match name {
                $($name => dump::<$entity>(db).await,)*
                other => Err(BackupError::Format(format!("unknown table {other}"))),
            }
        }

        pub async fn load_table(db: &impl ConnectionTrait, name: &str, rows: &[Value]) -> Result<(), BackupError> {
            match name {
                $($name => load::<$entity>(db, rows).await,)*
                other => Err(BackupError::Format(format!("unknown table {other}"))),
            }
        }

        pub async fn clear_table(db: &impl ConnectionTrait, name: &str) -> Result<(), BackupError> {
            match name {
                $($name => clear::<$entity>(db).await,)*
                other => Err(BackupError::Format(format!("unknown table {other}"))),
            }
        }
    };
}

tables! {
    "users" => entity::users::Entity,
    "clients" => entity::clients::Entity,
    "jwks" => entity::jwks::Entity,
    "browser_sessions" => entity::browser_sessions::Entity,
    "auth_sessions" => entity::auth_sessions::Entity,
    "authorization_codes" => entity::authorization_codes::Entity,
    "refresh_tokens" => entity::refresh_tokens::Entity,
    "consents" => entity::consents::Entity,
    "organizations" => entity::organizations::Entity,
    "organization_members" => entity::organization_members::Entity,
    "credit_accounts" => entity::credit_accounts::Entity,
    "credit_transactions" => entity::credit_transactions::Entity,
    "credit_entries" => entity::credit_entries::Entity,
    "credit_packages" => entity::credit_packages::Entity,
    "credit_purchases" => entity::credit_purchases::Entity,
    "idempotency_keys" => entity::idempotency_keys::Entity,
    "webhook_events" => entity::webhook_events::Entity,
    "security_events" => entity::security_events::Entity,
    "verification_tokens" => entity::verification_tokens::Entity,
    "totp_credentials" => entity::totp_credentials::Entity,
    "recovery_codes" => entity::recovery_codes::Entity,
    "pushed_requests" => entity::pushed_requests::Entity,
    "device_codes" => entity::device_codes::Entity,
    "initial_access_tokens" => entity::initial_access_tokens::Entity,
    "dpop_proofs" => entity::dpop_proofs::Entity,
    "job_runs" => entity::job_runs::Entity,
    "notifications" => entity::notifications::Entity,
}

/// Every table's rows, read through one connection or transaction.
pub async fn dump_all(db: &impl ConnectionTrait) -> Result<BTreeMap<String, Vec<Value>>, BackupError> {
    let mut tables = BTreeMap::new();
    for name in TABLES {
        tables.insert((*name).to_owned(), dump_table(db, name).await?);
    }
    Ok(tables)
}
