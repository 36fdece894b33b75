//! Every table as logical rows (JSON of the entity models), so a snapshot taken on one
//! engine loads into the other. Tables are listed in foreign-key order.
//!
//! Rows are read column by column, each as its entity field's type, and only the
//! columns the database has: a database at an older schema (before `mana-auth
//! migrate`) is backed up as that schema, the rows the mana-auth that wrote it reads
//! back, and a table it does not have yet is left out.

use std::collections::{BTreeMap, HashSet};

use sea_orm::{
    ActiveModelTrait, ColumnTrait, ColumnType, ConnectionTrait, DbBackend, DbErr, EntityTrait, IdenStatic,
    IntoActiveModel, Iterable, QueryResult, QuerySelect, QueryTrait, Statement,
};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::BackupError;

/// Rows per INSERT: well under the bind-parameter limits of both engines.
const CHUNK: usize = 500;

/// The columns `table` has in the database; none when the table does not exist.
async fn columns_in_database(db: &impl ConnectionTrait, table: &str) -> Result<HashSet<String>, DbErr> {
    let backend = db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => "SELECT name AS name FROM pragma_table_info(?)",
        _ => {
            "SELECT column_name::text AS name FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = $1"
        }
    };
    let rows = db.query_all_raw(Statement::from_sql_and_values(backend, sql, [table.into()])).await?;
    rows.iter().map(|row| row.try_get::<String>("", "name")).collect()
}

/// One cell as the JSON its entity field serializes to.
fn cell(row: &QueryResult, column: &str, kind: &ColumnType) -> Result<Value, DbErr> {
    Ok(match kind {
        ColumnType::BigInteger => json!(row.try_get::<Option<i64>>("", column)?),
        ColumnType::Integer => json!(row.try_get::<Option<i32>>("", column)?),
        ColumnType::Boolean => json!(row.try_get::<Option<bool>>("", column)?),
        ColumnType::String(_) | ColumnType::Text | ColumnType::Char(_) => {
            json!(row.try_get::<Option<String>>("", column)?)
        }
        ColumnType::Blob | ColumnType::Binary(_) | ColumnType::VarBinary(_) => {
            json!(row.try_get::<Option<Vec<u8>>>("", column)?)
        }
        other => return Err(DbErr::Custom(format!("column {column}: no backup form for {other:?}"))),
    })
}

/// The rows of `E`'s table in the columns the database has; `None` without the table.
async fn dump<E: EntityTrait>(db: &impl ConnectionTrait) -> Result<Option<Vec<Value>>, BackupError> {
    let store = |err: DbErr| BackupError::from(crate::store::StoreError::from(err));
    let present = columns_in_database(db, E::default().table_name()).await.map_err(store)?;
    if present.is_empty() {
        return Ok(None);
    }
    let columns: Vec<E::Column> = E::Column::iter().filter(|c| present.contains(c.as_str())).collect();
    let query = E::find().select_only().columns(columns.clone()).build(db.get_database_backend());
    let rows = db.query_all_raw(query).await.map_err(store)?;
    let rows = rows.iter().map(|row| {
        let cells =
            columns.iter().map(|c| Ok((c.as_str().to_owned(), cell(row, c.as_str(), c.def().get_column_type())?)));
        cells.collect::<Result<serde_json::Map<_, _>, DbErr>>().map(Value::Object)
    });
    Ok(Some(rows.collect::<Result<_, _>>().map_err(store)?))
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

        pub async fn dump_table(db: &impl ConnectionTrait, name: &str) -> Result<Option<Vec<Value>>, BackupError> {
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
    "passkey_users" => entity::passkey_users::Entity,
    "passkeys" => entity::passkeys::Entity,
    "passkey_ceremonies" => entity::passkey_ceremonies::Entity,
    "setup_links" => entity::setup_links::Entity,
    "upstream_identities" => entity::upstream_identities::Entity,
    "upstream_logins" => entity::upstream_logins::Entity,
    "upstreams" => entity::upstreams::Entity,
}

/// Every table's rows, read through one connection or transaction: the tables the
/// database has.
pub async fn dump_all(db: &impl ConnectionTrait) -> Result<BTreeMap<String, Vec<Value>>, BackupError> {
    let mut tables = BTreeMap::new();
    for name in TABLES {
        if let Some(rows) = dump_table(db, name).await? {
            tables.insert((*name).to_owned(), rows);
        }
    }
    Ok(tables)
}
