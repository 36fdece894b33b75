//! `mana-auth doctor`: the schema version, the key set, rows that point nowhere, the
//! credits ledger and the secrets sealed with the secrets key. Each check lists its
//! problems; none means healthy.

use crate::store::{
    db::Db,
    schema::{self, SchemaStatus},
};
use sea_orm::{ConnectionTrait, Statement};

use crate::{
    config::Config,
    keys::{KeySet, vault::Vault},
    security::mfa,
    store::{self, StoreError, jwks, ledger},
    upstream::stored,
};

pub struct Check {
    pub name: &'static str,
    pub problems: Vec<String>,
}

/// Runs every check; on a schema that is not this binary's only that one, as the
/// others read tables as this binary knows them.
pub async fn run(db: &Db, config: &Config) -> Result<Vec<Check>, StoreError> {
    let schema = Check { name: "schema", problems: schema(db).await? };
    if !schema.problems.is_empty() {
        return Ok(vec![schema]);
    }
    Ok(vec![
        schema,
        Check { name: "keys", problems: keys(db).await? },
        Check { name: "orphans", problems: orphans(db, config).await? },
        Check { name: "ledger", problems: ledger::check(db).await? },
        Check { name: "secrets", problems: sealed_secrets(db, config).await? },
    ])
}

/// The schema, read without touching it; any other answer than current is a problem.
async fn schema(db: &Db) -> Result<Vec<String>, StoreError> {
    let status = schema::status(db).await?;
    let mut problems: Vec<String> = status.problem().into_iter().collect();
    match status {
        SchemaStatus::Behind { pending, .. } => {
            problems.extend(pending.iter().map(|name| format!("migration {name} is not applied")));
        }
        SchemaStatus::Ahead { unknown } => {
            problems.extend(unknown.iter().map(|name| format!("migration {name} is newer than this mana-auth")));
        }
        SchemaStatus::Empty | SchemaStatus::Current => {}
    }
    Ok(problems)
}

/// One active key per algorithm, and every stored key opens and parses.
async fn keys(db: &Db) -> Result<Vec<String>, StoreError> {
    let stored = jwks::all(db).await?;
    let mut problems = Vec::new();
    for alg in ["EdDSA", "RS256"] {
        let active = stored.iter().filter(|k| k.alg == alg && k.status == "active").count();
        if active != 1 {
            problems.push(format!("{active} active {alg} keys, expected 1"));
        }
    }
    match Vault::from_env() {
        Ok(vault) => {
            if let Err(err) = KeySet::load(db, &vault).await {
                problems.push(err.to_string());
            }
        }
        Err(err) => problems.push(err.to_string()),
    }
    Ok(problems)
}

async fn count(db: &Db, sql: &str) -> Result<i64, StoreError> {
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await?;
    Ok(row.and_then(|r| r.try_get::<i64>("", "n").ok()).unwrap_or(0))
}

/// Rows whose client or user is gone (the references no foreign key guards).
async fn orphans(db: &Db, config: &Config) -> Result<Vec<String>, StoreError> {
    let api = config.api.client_id.replace('\'', "''");
    let checks = [
        (
            "consents of unknown clients",
            "SELECT COUNT(*) AS n FROM consents c LEFT JOIN clients k ON k.id = c.client_id WHERE k.id IS NULL"
                .to_owned(),
        ),
        (
            "refresh tokens of unknown clients",
            format!(
                "SELECT COUNT(*) AS n FROM refresh_tokens r LEFT JOIN clients k ON k.id = r.client_id \
                 WHERE k.id IS NULL AND r.client_id <> '{api}' AND r.revoked_at IS NULL"
            ),
        ),
        (
            "wallets of unknown users",
            "SELECT COUNT(*) AS n FROM credit_accounts a LEFT JOIN users u ON u.id = a.user_id \
             WHERE a.user_id IS NOT NULL AND u.id IS NULL"
                .to_owned(),
        ),
        (
            "purchases of unknown users",
            "SELECT COUNT(*) AS n FROM credit_purchases p LEFT JOIN users u ON u.id = p.user_id WHERE u.id IS NULL"
                .to_owned(),
        ),
    ];
    let mut problems = Vec::new();
    for (what, sql) in checks {
        let n = count(db, &sql).await?;
        if n > 0 {
            problems.push(format!("{n} {what}"));
        }
    }
    Ok(problems)
}

/// Every secret sealed with the secrets key opens with the one configured: the TOTP
/// secrets and the client secrets of sign-in providers made on the admin pages. After a
/// restore under another key, this says so before anyone fails to sign in.
async fn sealed_secrets(db: &Db, config: &Config) -> Result<Vec<String>, StoreError> {
    let totp = store::mfa::all(db).await?;
    let upstreams = store::upstreams::list(db).await?;
    let sealer = match mfa::sealer(config) {
        Ok(Some(sealer)) => sealer,
        Ok(None) if totp.is_empty() && upstreams.is_empty() => return Ok(Vec::new()),
        Ok(None) => {
            let (totp, upstreams) = (totp.len(), upstreams.len());
            return Ok(vec![format!(
                "{totp} TOTP secret(s) and {upstreams} sign-in provider secret(s) are sealed, and {} is not set",
                mfa::ENV
            )]);
        }
        Err(problem) => return Ok(vec![problem]),
    };
    let mut problems = Vec::new();
    let unopened = totp.iter().filter(|credential| mfa::open_secret(&sealer, credential).is_none()).count();
    if unopened > 0 {
        problems.push(format!("{unopened} TOTP secret(s) do not open with {}", mfa::ENV));
    }
    for row in &upstreams {
        if let Err(problem) = stored::from_row(row, Some(&sealer)) {
            problems.push(format!("sign-in provider `{}`: {problem}", row.id));
        }
    }
    Ok(problems)
}
