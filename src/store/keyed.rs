//! Reads by one key made on every token use (the refresh token being rotated), whose
//! statement is the same for every key: built once per engine and kept, the key bound
//! to each of its parameters. Building a joined select with sea-query and rendering
//! it costs more than SQLite takes to run it from cached pages.

use std::sync::OnceLock;

use sea_orm::{
    DbBackend,
    sea_query::{SelectStatement, Value, Values},
};

use super::{StoreError, inline::ColumnNames};

/// The key a statement is built with, told apart from every other value it binds.
const PLACEHOLDER: &str = "\u{0}key";

pub struct KeyedRead {
    build: fn(&str) -> SelectStatement,
    sqlite: OnceLock<Result<Built, String>>,
    postgres: OnceLock<Result<Built, String>>,
    /// The columns of the SQLite statement, for decoding its rows inline.
    names: ColumnNames,
}

struct Built {
    sql: String,
    /// How many parameters the statement has; each binds the key.
    parameters: usize,
}

impl KeyedRead {
    /// The read `build` makes for a key; every value it binds must be that key.
    pub const fn new(build: fn(&str) -> SelectStatement) -> Self {
        Self { build, sqlite: OnceLock::new(), postgres: OnceLock::new(), names: ColumnNames::new() }
    }

    /// The SQL for `backend` and its values for `key`.
    pub fn statement(&self, backend: DbBackend, key: &str) -> Result<(&str, Values), StoreError> {
        let built = match backend {
            DbBackend::Sqlite => &self.sqlite,
            DbBackend::Postgres => &self.postgres,
            other => return Err(StoreError::Corrupt(format!("no keyed reads on {other:?}"))),
        };
        let built =
            built.get_or_init(|| self.build_for(backend)).as_ref().map_err(|e| StoreError::Corrupt(e.clone()))?;
        Ok((&built.sql, Values(vec![Value::from(key); built.parameters])))
    }

    pub fn names(&self) -> &ColumnNames {
        &self.names
    }

    fn build_for(&self, backend: DbBackend) -> Result<Built, String> {
        let statement = backend.build(&(self.build)(PLACEHOLDER));
        let values = statement.values.map(|values| values.0).unwrap_or_default();
        let placeholder = Value::from(PLACEHOLDER);
        if let Some(other) = values.iter().find(|value| **value != placeholder) {
            return Err(format!("a keyed read binds {other:?} besides its key"));
        }
        Ok(Built { sql: statement.sql, parameters: values.len() })
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{
        DbBackend,
        sea_query::{Expr, ExprTrait, Query, Value},
    };

    use super::KeyedRead;

    static BY_KEY: KeyedRead =
        KeyedRead::new(|key| Query::select().column("n").from("t").and_where(Expr::col("k").eq(key)).to_owned());

    #[test]
    fn is_built_once_per_engine_and_binds_the_key_to_each_parameter() {
        let (sql, values) = BY_KEY.statement(DbBackend::Sqlite, "a").expect("statement");
        assert_eq!(sql, r#"SELECT "n" FROM "t" WHERE "k" = ?"#);
        assert_eq!(values.0, [Value::from("a")]);
        let (again, values) = BY_KEY.statement(DbBackend::Sqlite, "b").expect("statement");
        assert!(std::ptr::eq(sql, again), "kept, not built again");
        assert_eq!(values.0, [Value::from("b")]);
        let (sql, _) = BY_KEY.statement(DbBackend::Postgres, "a").expect("statement");
        assert_eq!(sql, r#"SELECT "n" FROM "t" WHERE "k" = $1"#);
    }

    #[test]
    fn a_read_that_binds_anything_but_its_key_is_refused() {
        static WITH_A_NUMBER: KeyedRead = KeyedRead::new(|key| {
            Query::select()
                .column("n")
                .from("t")
                .and_where(Expr::col("k").eq(key))
                .and_where(Expr::col("n").gt(1))
                .to_owned()
        });
        let err = WITH_A_NUMBER.statement(DbBackend::Sqlite, "a").expect_err("a number is not the key");
        assert!(err.to_string().contains("besides its key"), "{err}");
        assert!(WITH_A_NUMBER.statement(DbBackend::MySql, "a").is_err(), "no MySQL");
    }
}
