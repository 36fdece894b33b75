//! The shape of the `mana-auth` command line: subcommands, their arguments and help.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub mod accounts;

/// Why a command failed: printed as one line, and the process exits 1.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Start(#[from] crate::StartError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Admin(#[from] crate::admin::clients::AdminError),
    #[error(transparent)]
    Backup(#[from] crate::ops::backup::BackupError),
    #[error(transparent)]
    Keys(#[from] crate::keys::KeyError),
    #[error(transparent)]
    Passwords(#[from] crate::security::passwords::PasswordError),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error(transparent)]
    Http(#[from] reqwest::Error),
    #[error("{0}")]
    Failed(String),
}

#[derive(Parser)]
#[command(name = "mana-auth", version, about = "An OpenID Connect provider that signs with Ed25519")]
pub struct Cli {
    /// Configuration file layered over the built-in defaults.
    #[arg(long, env = "MANA_AUTH_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve HTTP (the default).
    Serve,
    /// Apply pending database migrations.
    Migrate,
    /// Ask the running server at `server.bind` whether it is ready; exit 0 when it is (for health checks).
    Probe,
    /// Manage clients.
    #[command(subcommand)]
    Client(ClientCommand),
    /// Manage users.
    #[command(subcommand, alias = "users")]
    User(UserCommand),
    /// Manage signing keys.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Write, list, verify and prune backups.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Restore a backup (a file or s3://BUCKET/KEY) into the configured database, all or nothing.
    Restore {
        file: PathBuf,
        /// Only check the file.
        #[arg(long)]
        dry_run: bool,
        /// Replace a database that holds data of its own.
        #[arg(long)]
        force: bool,
    },
    /// Carry another service's data over; run it while mana-auth is stopped.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Operate the credits ledger.
    #[command(subcommand)]
    Credits(CreditsCommand),
    /// Check the database: schema version, key set, orphaned rows, ledger. Exits non-zero on any problem.
    Doctor,
    /// Delete expired sessions, codes, refresh tokens, idempotency keys, and security
    /// events past `security.audit_retention_days`.
    Cleanup,
    /// Sessions of every user.
    #[command(subcommand)]
    Sessions(SessionsCommand),
    /// Two-step verification of users.
    #[command(subcommand)]
    Mfa(MfaCommand),
    /// Security events, newest first: sign-ins and failures, lockouts, sign-outs, token
    /// reuse, password changes, client and key administration.
    Audit {
        /// An email or a user id.
        #[arg(long)]
        user: Option<String>,
        /// An event type, e.g. sign_in.failed or account.locked.
        #[arg(long = "type")]
        kind: Option<String>,
        /// 30m, 24h, 7d, or an RFC 3339 time.
        #[arg(long)]
        since: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: u64,
    },
}

#[derive(Subcommand)]
pub enum MfaCommand {
    /// Turn two-step verification off for one user (--user EMAIL) or for everyone (--all).
    Reset {
        #[arg(long, conflicts_with = "all", required_unless_present = "all")]
        user: Option<String>,
        #[arg(long)]
        all: bool,
    },
}

#[derive(Subcommand)]
pub enum SessionsCommand {
    /// Global sign-out: end every session, revoke every refresh token, forget every browser session.
    RevokeAll,
}

#[derive(Subcommand)]
pub enum BackupCommand {
    /// Write a consistent, compressed, encrypted backup of every table.
    Create {
        #[arg(long)]
        out: Option<PathBuf>,
        /// Write it unencrypted (compressed only).
        #[arg(long)]
        no_encrypt: bool,
    },
    /// List backups in `backup.dir` and, with `backup.s3`, in the bucket.
    List,
    /// Check a backup (a file or s3://BUCKET/KEY) whole and restore it into a scratch database.
    Verify { file: PathBuf },
    /// Delete backups older than N days, in `backup.dir` and in the bucket.
    Prune {
        #[arg(long)]
        keep_days: u64,
    },
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// List stored keys with their status.
    List,
    /// Publish the next keys now; they sign after `keys.prepublish_hours`. With
    /// `--emergency`, replace every key at once: all earlier tokens stop verifying.
    Rotate {
        #[arg(long)]
        emergency: bool,
    },
    /// Write the key set to FILE, encrypted with the backup key.
    Export { file: PathBuf },
    /// Replace the key set with the one in FILE; servers follow within keys.reload_secs.
    Import { file: PathBuf },
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Users (with their passwords), sessions, organizations, signing keys and credits of
    /// Mana Core Auth, from its PostgreSQL database; ids are kept, a second run adds nothing.
    ManaCore {
        /// postgres://USER:PASSWORD@HOST:PORT/DB of Mana Core Auth (read only).
        #[arg(long, env = "MANA_AUTH_IMPORT_FROM", hide_env_values = true)]
        from: String,
        /// Print what would be imported, and write nothing.
        #[arg(long)]
        dry_run: bool,
        /// The longest lifetime of a token Mana Core Auth issued (its JWTs: 15 minutes, its
        /// OIDC tokens: an hour): its keys stay published that long, so those tokens keep verifying.
        #[arg(long, default_value_t = 3600, value_parser = clap::value_parser!(i64).range(0..=31_536_000))]
        token_lifetime_secs: i64,
    },
}

#[derive(Subcommand)]
pub enum CreditsCommand {
    /// Grant credits to a user (an audited adjustment of the paid wallet; a negative
    /// amount is taken back, never below zero).
    Grant {
        #[arg(long)]
        email: String,
        #[arg(long, allow_negative_numbers = true)]
        amount: i64,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Subcommand)]
pub enum ClientCommand {
    /// Register a client; a confidential client's secret is printed once.
    Add(AddClient),
    /// List clients.
    List,
    /// Remove a client added by command.
    Remove { id: String },
    /// Print an initial access token: it lets someone register one client at /register
    /// within 24 hours, while `[registration] mode = "token"`.
    Token,
}

#[derive(Args)]
pub struct AddClient {
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub name: Option<String>,
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    #[arg(long = "post-logout-redirect-uri")]
    pub post_logout_redirect_uris: Vec<String>,
    /// Grant types; default authorization_code and refresh_token.
    #[arg(long = "grant-type")]
    pub grant_types: Vec<String>,
    /// A public client (no secret, PKCE required).
    #[arg(long)]
    pub public: bool,
    #[arg(long)]
    pub skip_consent: bool,
    #[arg(long)]
    pub backchannel_logout_uri: Option<String>,
    /// EdDSA or RS256.
    #[arg(long)]
    pub id_token_alg: Option<String>,
    /// A resource server: may introspect every client's access tokens (RFC 7662).
    #[arg(long)]
    pub introspection: bool,
    /// Its authorization requests must be pushed to /par first (RFC 9126).
    #[arg(long)]
    pub require_pushed_authorization_requests: bool,
    /// Its token requests must carry a DPoP proof (RFC 9449).
    #[arg(long)]
    pub dpop_bound_access_tokens: bool,
    /// A declared resource (`[[resources]]`) it may ask tokens for; repeat for more.
    /// None given: every declared resource.
    #[arg(long = "resource")]
    pub resources: Vec<String>,
}

#[derive(Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        username: Option<String>,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, required = true)]
        password_stdin: bool,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Make an existing user an administrator.
    GrantAdmin {
        #[arg(long)]
        email: String,
    },
    /// Delete an account and erase its personal data; its sessions end and its clients
    /// with back-channel logout are told.
    Delete {
        #[arg(long)]
        email: String,
    },
    /// Make every password stop working: every session ends and every refresh token is
    /// revoked; people set a new password through a reset link.
    ForceReset {
        /// Mail every user a reset link now.
        #[arg(long)]
        mail: bool,
    },
    /// List a user's passkeys, or remove one of them with --remove ID.
    Passkeys {
        #[arg(long)]
        email: String,
        /// Ids may begin with a hyphen.
        #[arg(long, value_name = "ID", allow_hyphen_values = true)]
        remove: Option<String>,
    },
}
