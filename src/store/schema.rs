//! Where a database's schema stands against this binary's migrations, read without
//! changing anything: not even the migrations table is created to ask.

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use super::StoreError;

/// The table the migrator records applied migrations in.
const MIGRATIONS_TABLE: &str = "seaql_migrations";

#[derive(Debug, PartialEq, Eq)]
pub enum SchemaStatus {
    /// No migration was ever applied: a new, empty database.
    Empty,
    /// Every migration this binary knows is applied, and no other.
    Current,
    /// Migrations of this binary are not applied yet.
    Behind { at: String, pending: Vec<String> },
    /// Migrations this binary does not know are applied: a newer mana-auth wrote it.
    Ahead { unknown: Vec<String> },
}

impl SchemaStatus {
    /// What an operator reads when a command cannot work on this schema.
    pub fn problem(&self) -> Option<String> {
        let expected = expected_version();
        match self {
            SchemaStatus::Current => None,
            SchemaStatus::Empty => {
                Some("the database has no schema yet: run `mana-auth migrate` (or start the server)".into())
            }
            SchemaStatus::Behind { at, .. } => {
                Some(format!("schema at {at}, this binary expects {expected}: back up, then run `mana-auth migrate`"))
            }
            SchemaStatus::Ahead { unknown } => Some(format!(
                "schema at {}, newer than this binary ({expected}): use the mana-auth that wrote it",
                unknown.last().map_or("?", String::as_str)
            )),
        }
    }
}

/// The newest migration this binary knows: the schema version it works on.
pub fn expected_version() -> String {
    known().last().cloned().unwrap_or_default()
}

fn known() -> Vec<String> {
    Migrator::migrations().iter().map(|m| m.name().to_owned()).collect()
}

/// Reads where the schema of `db` stands.
pub async fn status(db: &impl ConnectionTrait) -> Result<SchemaStatus, StoreError> {
    let applied = applied(db).await?;
    if applied.is_empty() {
        return Ok(SchemaStatus::Empty);
    }
    let known = known();
    let unknown: Vec<String> = applied.iter().filter(|a| !known.contains(a)).cloned().collect();
    if !unknown.is_empty() {
        return Ok(SchemaStatus::Ahead { unknown });
    }
    let pending: Vec<String> = known.iter().filter(|k| !applied.contains(k)).cloned().collect();
    if pending.is_empty() {
        return Ok(SchemaStatus::Current);
    }
    let at = known.iter().rfind(|k| applied.contains(k)).cloned().unwrap_or_default();
    Ok(SchemaStatus::Behind { at, pending })
}

/// The names of the applied migrations, oldest first; none when the table is missing.
async fn applied(db: &impl ConnectionTrait) -> Result<Vec<String>, StoreError> {
    let backend = db.get_database_backend();
    let exists = match backend {
        DbBackend::Sqlite => {
            format!("SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = '{MIGRATIONS_TABLE}'")
        }
        _ => format!(
            "SELECT 1 AS one FROM information_schema.tables WHERE table_schema = current_schema() AND table_name = '{MIGRATIONS_TABLE}'"
        ),
    };
    if db.query_one_raw(Statement::from_string(backend, exists)).await?.is_none() {
        return Ok(Vec::new());
    }
    let rows = db
        .query_all_raw(Statement::from_string(
            backend,
            format!("SELECT version FROM {MIGRATIONS_TABLE} ORDER BY version"),
        ))
        .await?;
    Ok(rows.iter().map(|row| row.try_get::<String>("", "version")).collect::<Result<_, _>>()?)
}

/// How many migrations, from the first, make the schema `version`.
pub fn steps_to(version: &str) -> Option<u32> {
    known().iter().position(|k| k == version).and_then(|i| u32::try_from(i + 1).ok())
}
