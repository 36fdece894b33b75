//! `mana-auth import mana-core`: carries the users, sessions, organizations, signing keys
//! and credits of Mana Core Auth over into mana-auth's database, while mana-auth is
//! stopped. The source is read whole and checked before the target is opened, so bad
//! input writes nothing; the rows are then written in one transaction, idempotently.

mod mapping;
mod source;
mod writer;

use serde_json::json;

use crate::{
    config::Config,
    keys::rotation::Policy,
    security::audit::{Event, Kind},
    store::{StoreError, ledger::PostingError, now},
};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("--from: not a postgres:// URL of the Mana Core Auth database")]
    Url,
    #[error("the Mana Core Auth database at {at} cannot be reached: {error}")]
    Unreachable { at: String, error: String },
    #[error("the Mana Core Auth database has no table {0}; nothing imported")]
    MissingTable(&'static str),
    #[error("reading {table} from the Mana Core Auth database: {error}")]
    Read { table: &'static str, error: String },
    /// A row the import cannot carry over faithfully.
    #[error("{0}; nothing imported")]
    Unsupported(String),
    #[error("user {0}: another mana-auth account has its email; nothing imported")]
    EmailTaken(String),
    #[error(transparent)]
    Start(#[from] crate::StartError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("credits: {0}")]
    Posting(#[from] PostingError),
}

/// Rows per kind, in the order they are written.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub users: u64,
    pub sessions: u64,
    pub organizations: u64,
    pub members: u64,
    pub keys: u64,
    pub packages: u64,
    pub purchases: u64,
    pub transactions: u64,
    pub balances: u64,
}

impl Counts {
    pub fn by_kind(&self) -> [(&'static str, u64); 9] {
        [
            ("users", self.users),
            ("sessions", self.sessions),
            ("organizations", self.organizations),
            ("members", self.members),
            ("keys", self.keys),
            ("packages", self.packages),
            ("purchases", self.purchases),
            ("transactions", self.transactions),
            ("balances", self.balances),
        ]
    }

    pub fn total(&self) -> u64 {
        self.by_kind().iter().map(|(_, n)| n).sum()
    }
}

/// What an import found and wrote.
pub struct Outcome {
    /// Rows per kind in the source (balances: users with credits).
    pub found: Counts,
    /// Rows per kind that were not in mana-auth yet: written, or on a dry run, to be written.
    pub new: Counts,
}

/// Imports from the Mana Core Auth database at `from` into the database of `config`.
/// Keys stay published for `token_lifetime_secs`, the longest life of a token the old
/// service issued, and never less than mana-auth keeps its own retired keys. With
/// `dry_run`, everything is done but the commit.
pub async fn mana_core(
    config: &Config,
    from: &str,
    token_lifetime_secs: i64,
    dry_run: bool,
) -> Result<Outcome, ImportError> {
    let source = source::read(from).await?;
    let rows = mapping::rows(source)?;
    let found = found(&rows);
    let db = crate::open_database(config).await?;
    let retention = Policy::from_config(config).retire_after;
    // Retired "now" plus what the normal retention lacks: published until the old
    // service's last token has expired.
    let keys_retired_at = now() + (token_lifetime_secs - retention).max(0);
    let txn = db.begin().await?;
    let new = writer::write(&txn, rows, keys_retired_at).await?;
    if dry_run || new.total() == 0 {
        txn.rollback().await?;
    } else {
        let counts: serde_json::Map<_, _> = new.by_kind().iter().map(|(kind, n)| ((*kind).into(), json!(n))).collect();
        Event::new(Kind::Imported).details(json!({ "from": "mana-core", "rows": counts })).write(&txn).await?;
        txn.commit().await?;
        tracing::info!(rows = new.total(), "imported from Mana Core Auth");
    }
    Ok(Outcome { found, new })
}

fn found(rows: &mapping::Rows) -> Counts {
    let count = |n: usize| n as u64;
    Counts {
        users: count(rows.users.len()),
        sessions: count(rows.sessions.len()),
        organizations: count(rows.organizations.len()),
        members: count(rows.members.len()),
        keys: count(rows.keys.len()),
        packages: count(rows.packages.len()),
        purchases: count(rows.purchases.len()),
        transactions: count(rows.history.len()),
        balances: count(rows.balances.iter().filter(|b| b.free + b.paid > 0).count()),
    }
}
