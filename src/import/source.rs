//! Reads the PostgreSQL database of Mana Core Auth (schemas `auth` and `credits`) in one
//! read-only snapshot. Times come out as UNIX seconds, JSON columns as text.

use std::time::Duration;

use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseTransaction, DbBackend, FromQueryResult,
    IsolationLevel, Statement, TransactionTrait,
};

use super::ImportError;

/// The tables the import reads; a source without one of them is not Mana Core Auth's.
const TABLES: [&str; 10] = [
    "auth.users",
    "auth.passwords",
    "auth.sessions",
    "auth.jwks",
    "auth.organizations",
    "auth.members",
    "credits.balances",
    "credits.transactions",
    "credits.packages",
    "credits.purchases",
];

#[derive(FromQueryResult)]
pub struct User {
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub name: Option<String>,
    pub role: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// From `auth.passwords`; none for an account that signed in through another provider only.
    pub hashed_password: Option<String>,
}

#[derive(FromQueryResult)]
pub struct Session {
    pub id: String,
    pub user_id: String,
    pub expires_at: i64,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub device_id: Option<String>,
    pub device_name: Option<String>,
    pub revoked_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(FromQueryResult)]
pub struct Key {
    pub id: String,
    /// A JWK as JSON text.
    pub public_key: String,
    pub created_at: i64,
}

#[derive(FromQueryResult)]
pub struct Organization {
    pub id: String,
    pub name: String,
    pub created_at: i64,
}

#[derive(FromQueryResult)]
pub struct Member {
    pub organization_id: String,
    pub user_id: String,
    pub role: String,
    pub created_at: i64,
}

#[derive(FromQueryResult)]
pub struct Balance {
    pub user_id: String,
    /// `balances.balance`: the paid credits.
    pub paid: i64,
    /// `balances.free_credits_remaining`.
    pub free: i64,
}

#[derive(FromQueryResult)]
pub struct Transaction {
    pub id: String,
    pub user_id: String,
    pub kind: String,
    /// Signed: positive for credits added, negative for credits used.
    pub amount: i64,
    pub balance_after: i64,
    pub app_id: Option<String>,
    pub description: Option<String>,
    pub metadata: Option<String>,
    pub created_at: i64,
}

#[derive(FromQueryResult)]
pub struct Package {
    pub id: String,
    pub name: String,
    pub credits: i64,
    pub price_cents: i64,
    pub currency: String,
}

#[derive(FromQueryResult)]
pub struct Purchase {
    pub id: String,
    pub user_id: String,
    pub package_id: Option<String>,
    pub credits: i64,
    pub price_cents: i64,
    pub currency: String,
    pub status: String,
    pub created_at: i64,
    pub completed_at: Option<i64>,
}

/// Everything the import takes from the source.
pub struct Source {
    pub users: Vec<User>,
    pub sessions: Vec<Session>,
    pub keys: Vec<Key>,
    pub organizations: Vec<Organization>,
    pub members: Vec<Member>,
    pub balances: Vec<Balance>,
    pub transactions: Vec<Transaction>,
    pub packages: Vec<Package>,
    pub purchases: Vec<Purchase>,
}

/// UNIX seconds of a `timestamptz` column.
macro_rules! epoch {
    ($column:literal) => {
        concat!("floor(extract(epoch from ", $column, "))::bigint")
    };
}

const USERS: &str = concat!(
    "SELECT u.id, u.email, u.email_verified, u.name, u.role, ",
    epoch!("u.created_at"),
    " AS created_at, ",
    epoch!("u.updated_at"),
    " AS updated_at, p.hashed_password \
     FROM auth.users u LEFT JOIN auth.passwords p ON p.user_id = u.id ORDER BY u.id"
);
const SESSIONS: &str = concat!(
    "SELECT id, user_id, ip_address, user_agent, device_id, device_name, ",
    epoch!("expires_at"),
    " AS expires_at, ",
    epoch!("revoked_at"),
    " AS revoked_at, ",
    epoch!("created_at"),
    " AS created_at, ",
    epoch!("updated_at"),
    " AS updated_at FROM auth.sessions ORDER BY id"
);
const KEYS: &str =
    concat!("SELECT id, public_key, ", epoch!("created_at"), " AS created_at FROM auth.jwks ORDER BY id");
const ORGANIZATIONS: &str =
    concat!("SELECT id, name, ", epoch!("created_at"), " AS created_at FROM auth.organizations ORDER BY id");
const MEMBERS: &str = concat!(
    "SELECT organization_id, user_id, role, ",
    epoch!("created_at"),
    " AS created_at FROM auth.members ORDER BY organization_id, user_id"
);
const BALANCES: &str = "SELECT user_id, balance::bigint AS paid, free_credits_remaining::bigint AS free \
     FROM credits.balances ORDER BY user_id";
const TRANSACTIONS: &str = concat!(
    "SELECT id, user_id, type AS kind, amount::bigint AS amount, balance_after::bigint AS balance_after, ",
    "app_id, description, metadata::text AS metadata, ",
    epoch!("created_at"),
    " AS created_at FROM credits.transactions ORDER BY created_at, id"
);
const PACKAGES: &str = "SELECT id, name, credits::bigint AS credits, price_cents::bigint AS price_cents, currency \
     FROM credits.packages ORDER BY id";
const PURCHASES: &str = concat!(
    "SELECT id, user_id, package_id, credits::bigint AS credits, price_cents::bigint AS price_cents, currency, status, ",
    epoch!("created_at"),
    " AS created_at, ",
    epoch!("completed_at"),
    " AS completed_at FROM credits.purchases ORDER BY id"
);

/// Connects to `url` (a `postgres://` URL), checks that every table is there and reads them.
pub async fn read(url: &str) -> Result<Source, ImportError> {
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(ImportError::Url);
    }
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(1)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .sqlx_logging(false);
    let unreachable = |err: sea_orm::DbErr| ImportError::Unreachable { at: location(url), error: err.to_string() };
    let db = Database::connect(options).await.map_err(unreachable)?;
    let snapshot = db
        .begin_with_config(Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly))
        .await
        .map_err(unreachable)?;
    check_tables(&snapshot).await?;
    let source = Source {
        users: rows(&snapshot, "auth.users", USERS).await?,
        sessions: rows(&snapshot, "auth.sessions", SESSIONS).await?,
        keys: rows(&snapshot, "auth.jwks", KEYS).await?,
        organizations: rows(&snapshot, "auth.organizations", ORGANIZATIONS).await?,
        members: rows(&snapshot, "auth.members", MEMBERS).await?,
        balances: rows(&snapshot, "credits.balances", BALANCES).await?,
        transactions: rows(&snapshot, "credits.transactions", TRANSACTIONS).await?,
        packages: rows(&snapshot, "credits.packages", PACKAGES).await?,
        purchases: rows(&snapshot, "credits.purchases", PURCHASES).await?,
    };
    snapshot.rollback().await.map_err(unreachable)?;
    db.close().await.ok();
    Ok(source)
}

/// `host:port/database` of a database URL: where it is, without the credentials.
fn location(url: &str) -> String {
    url::Url::parse(url).map_or_else(
        |_| "the --from URL".to_owned(),
        |url| format!("{}:{}{}", url.host_str().unwrap_or("?"), url.port().unwrap_or(5432), url.path()),
    )
}

async fn check_tables(db: &DatabaseTransaction) -> Result<(), ImportError> {
    let sql = "SELECT table_schema || '.' || table_name AS name FROM information_schema.tables \
               WHERE table_schema IN ('auth', 'credits')";
    let present: Vec<String> = db
        .query_all_raw(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(|err| ImportError::Read { table: "information_schema.tables", error: err.to_string() })?
        .iter()
        .filter_map(|row| row.try_get::<String>("", "name").ok())
        .collect();
    match TABLES.into_iter().find(|table| !present.iter().any(|p| p == table)) {
        Some(missing) => Err(ImportError::MissingTable(missing)),
        None => Ok(()),
    }
}

async fn rows<T: FromQueryResult>(
    db: &DatabaseTransaction,
    table: &'static str,
    sql: &str,
) -> Result<Vec<T>, ImportError> {
    let read = |err: sea_orm::DbErr| ImportError::Read { table, error: err.to_string() };
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Postgres, sql)).await.map_err(read)?;
    rows.iter().map(|row| T::from_query_result(row, "").map_err(read)).collect()
}
