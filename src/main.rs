//! The `mana-auth` command: serve (the default), migrate, and manage clients and users.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use mana_auth::{
    admin,
    cli::{
        BackupCommand, Cli, CliError, Command, CreditsCommand, ImportCommand, KeysCommand, MfaCommand, SessionsCommand,
        accounts,
    },
    config::{Config, LogFormat},
    security::audit::{Event, Kind},
};
use std::io::IsTerminal;

use mana_auth::{
    ops::{
        log_format::{
            json::JsonLine,
            text::{PlainFields, PlainLine},
        },
        log_writer::log_writer,
    },
    web::timestamp::rfc3339,
};

use tracing_subscriber::{EnvFilter, fmt::format::FmtSpan};

/// How often gathered log lines are written.
const LOG_WRITE_EVERY: std::time::Duration = std::time::Duration::from_millis(20);
/// Bytes of log lines waiting to be written, at most: 20 ms of about 200,000 request
/// lines a second, with room to spare.
const LOG_PENDING_BYTES: usize = 4 << 20;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("mana-auth: {err}");
            return ExitCode::FAILURE;
        }
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&config.log.filter));
    // Logs go to stderr, so command output on stdout stays clean for scripts.
    let spans = if config.log.span_timings { FmtSpan::CLOSE } else { FmtSpan::NONE };
    // Lines gather in memory and a thread of their own writes them every 20 ms: a
    // request never waits on stderr; past the limit a line is dropped and counted.
    // The guard writes what is left when `main` returns.
    let (writer, _written_at_exit) = log_writer(std::io::stderr(), LOG_WRITE_EVERY, LOG_PENDING_BYTES);
    mana_auth::ops::metrics::count_dropped_log_lines(writer.clone());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_span_events(spans)
        .with_writer(writer)
        // Colour for a person at a terminal; none in a file or a log shipper's pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .fmt_fields(PlainFields);
    match config.log.format {
        LogFormat::Text => logs.event_format(PlainLine).init(),
        LogFormat::Json => logs.event_format(JsonLine).init(),
    }
    match run(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("mana-auth: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), CliError> {
    match command {
        Command::Serve => serve(config).await,
        Command::Probe => {
            let url = format!("http://{}/health/ready", config.server.bind);
            let client = reqwest::Client::builder().timeout(std::time::Duration::from_secs(3)).build()?;
            let response = client.get(&url).send().await.map_err(|e| CliError::Failed(format!("{url}: {e}")))?;
            if response.status().is_success() {
                Ok(())
            } else {
                Err(CliError::Failed(format!("{url}: {}", response.status())))
            }
        }
        Command::Migrate => {
            mana_auth::open_database(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Client(command) => accounts::client(command, &config).await,
        Command::Keys(command) => keys(command, &config).await,
        Command::Backup(command) => backup(command, &config).await,
        Command::Restore { file, dry_run, force } => restore(&file, dry_run, force, &config).await,
        Command::Audit { user, kind, since, limit } => {
            audit(admin::audit::Query { user, kind, since, until: None, before: None, limit }, &config).await
        }
        Command::Mfa(MfaCommand::Reset { user, .. }) => {
            let db = mana_auth::open_current(&config).await?;
            let removed = admin::mfa::reset(&db, user.as_deref()).await?;
            println!("two-step verification turned off for {removed} user(s)");
            Ok(())
        }
        Command::Cleanup => {
            let db = mana_auth::open_current(&config).await?;
            let swept = mana_auth::store::cleanup::sweep(&db, &config).await?;
            println!("{swept:?}");
            Ok(())
        }
        Command::Sessions(SessionsCommand::RevokeAll) => {
            let db = mana_auth::open_current(&config).await?;
            let txn = db.begin().await?;
            let ended = mana_auth::store::cleanup::sign_out_everyone(&txn).await?;
            Event::new(Kind::SessionsRevokedAll).details(serde_json::json!({ "sessions": ended })).write(&txn).await?;
            txn.commit().await?;
            println!("{ended} sessions ended; every refresh token revoked");
            Ok(())
        }
        Command::Credits(CreditsCommand::Grant { email, amount, reason }) => {
            let db = mana_auth::open_current(&config).await?;
            admin::credits::grant(&db, &email, amount, &reason, None).await?;
            println!("granted {amount} credits to {email}");
            Ok(())
        }
        Command::Import(command) => import(command, &config).await,
        Command::Doctor => doctor(&config).await,
        Command::User(command) => accounts::user(command, config).await,
    }
}

async fn keys(command: KeysCommand, config: &Config) -> Result<(), CliError> {
    let db = mana_auth::open_current(config).await?;
    match command {
        KeysCommand::List => {
            for key in mana_auth::store::jwks::all(&db).await? {
                let when = key.activated_at.or(key.retired_at).unwrap_or(key.created_at);
                let (created, since) = (rfc3339(key.created_at), rfc3339(when));
                println!("{}\t{}\t{}\tcreated {created}\tsince {since}", key.kid, key.alg, key.status);
            }
        }
        KeysCommand::Rotate { emergency: true } => {
            let vault = mana_auth::keys::vault::Vault::from_env()?;
            mana_auth::keys::rotation::emergency(&db, &vault, &config.notify).await?;
            println!("every key replaced; running servers switch within keys.reload_secs");
        }
        KeysCommand::Export { file } => {
            let count = admin::keys::export(&db, config, &file).await?;
            println!("{count} keys written to {}", file.display());
        }
        KeysCommand::Import { file } => {
            let count = admin::keys::import(&db, config, &file).await?;
            println!("{count} keys imported from {}; running servers switch within keys.reload_secs", file.display());
        }
        KeysCommand::Rotate { emergency: false } => {
            let vault = mana_auth::keys::vault::Vault::from_env()?;
            mana_auth::keys::rotation::rotate(&db, &vault, &config.notify).await?;
            println!("next keys published; they sign after keys.prepublish_hours");
        }
    }
    Ok(())
}

/// Imports another service's data and prints, per kind, how many rows were new.
async fn import(command: ImportCommand, config: &Config) -> Result<(), CliError> {
    let ImportCommand::ManaCore { from, dry_run, token_lifetime_secs } = command;
    let outcome = mana_auth::import::mana_core(config, &from, token_lifetime_secs, dry_run).await?;
    for ((kind, found), (_, new)) in outcome.found.by_kind().iter().zip(outcome.new.by_kind()) {
        println!("{kind}: {new} new of {found}");
    }
    let new = outcome.new.total();
    if dry_run {
        println!("dry run: {new} rows would be imported; nothing written");
    } else if new == 0 {
        println!("nothing to import: every row is already in mana-auth; nothing changed");
    } else {
        println!("imported {new} rows from Mana Core Auth");
    }
    Ok(())
}

/// Restores a backup, or with `dry_run` checks it and says what a restore would do.
async fn restore(file: &std::path::Path, dry_run: bool, force: bool, config: &Config) -> Result<(), CliError> {
    if dry_run {
        let checked = admin::backups::check_restore(config, file).await?;
        println!("{}: valid, {} rows of schema {}; nothing changed", file.display(), checked.rows, checked.schema);
        println!("database: {}", checked.target);
        return Ok(());
    }
    // Created when it does not exist yet: a restore is how a lost database comes back.
    let db = mana_auth::store::db::connect(&config.database).await.map_err(mana_auth::StartError::Database)?;
    let rows = admin::backups::restore(&db, config, file, force).await?;
    println!("restored {rows} rows from {}", file.display());
    Ok(())
}

/// Prints each check's problems, or `ok`; fails when there is any. Reads the database
/// as it is, whatever its schema.
async fn doctor(config: &Config) -> Result<(), CliError> {
    let db = mana_auth::store::db::connect_existing(&config.database).await.map_err(mana_auth::StartError::Database)?;
    let checks = mana_auth::ops::doctor::run(&db, config).await?;
    let mut found = 0;
    for check in &checks {
        if check.problems.is_empty() {
            println!("{}: ok", check.name);
        }
        for problem in &check.problems {
            println!("{}: {problem}", check.name);
            found += 1;
        }
    }
    if found == 0 { Ok(()) } else { Err(CliError::Failed(format!("{found} problem(s)"))) }
}

async fn audit(query: admin::audit::Query, config: &Config) -> Result<(), CliError> {
    let db = mana_auth::open_current(config).await?;
    for event in admin::audit::events(&db, query).await? {
        let field = |value: Option<String>| value.unwrap_or_else(|| "-".into());
        println!(
            "{}\t{}\tuser={}\tclient={}\tip={}\t{}",
            mana_auth::web::timestamp::rfc3339(event.created_at),
            event.kind,
            field(event.user_id),
            field(event.client_id),
            field(event.ip),
            event.details.unwrap_or_default()
        );
    }
    Ok(())
}

async fn backup(command: BackupCommand, config: &Config) -> Result<(), CliError> {
    match command {
        BackupCommand::Create { out, no_encrypt } => {
            let db = mana_auth::open_to_back_up(config).await?;
            let started = std::time::Instant::now();
            let created = admin::backups::create(&db, config, out.as_deref(), no_encrypt).await?;
            println!("{} ({} ms)", created.path.display(), started.elapsed().as_millis());
            if let Some(url) = created.uploaded {
                println!("{url}");
            }
        }
        BackupCommand::List => {
            for backup in admin::backups::list(config).await? {
                println!("{}\t{} bytes\t{}", backup.name, backup.size, backup.places.join(" "));
            }
        }
        BackupCommand::Verify { file } => {
            let verified = admin::backups::verify(&file, config).await?;
            for problem in &verified.ledger_problems {
                println!("ledger: {problem}");
            }
            if !verified.ledger_problems.is_empty() {
                return Err(CliError::Failed(format!("{}: restores, but its ledger does not balance", file.display())));
            }
            println!("{}: valid; {} rows restore into a scratch database; ledger: ok", file.display(), verified.rows);
        }
        BackupCommand::Prune { keep_days } => {
            let removed = admin::backups::prune(config, keep_days).await?;
            println!("{removed} backup(s) removed");
        }
    }
    Ok(())
}

/// Binds the listeners (`server.bind`, and `metrics.bind` unless empty) and serves.
async fn serve(config: Config) -> Result<(), CliError> {
    let bind = config.server.bind;
    let state = mana_auth::build_state(config).await?;
    if let Some(link) = admin::setup::link_if_needed(&state.db, &state.config.issuer).await? {
        tracing::warn!(
            "no administrator yet: open {link} within the hour to create one (or run `mana-auth user add --admin`)"
        );
    }
    let listener = tokio::net::TcpListener::bind(bind).await.map_err(mana_auth::StartError::Bind)?;
    let metrics = match state.config.metrics.bind.0 {
        Some(addr) => Some(tokio::net::TcpListener::bind(addr).await.map_err(mana_auth::StartError::BindMetrics)?),
        None => None,
    };
    tracing::info!(issuer = %state.config.issuer, %bind, metrics = ?state.config.metrics.bind.0, "mana-auth listening");
    mana_auth::serve(state, listener, metrics).await;
    Ok(())
}
