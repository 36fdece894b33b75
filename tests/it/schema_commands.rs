//! Only `serve` and `migrate` change the schema (and `restore`, which gives an empty
//! database the schema of its backup). Every other command opens the database as it
//! is, creates nothing in it, not even the migrations table, and refuses a schema that
//! is not its binary's in one line; `doctor` fails on a pending migration.

use std::path::PathBuf;

use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, Statement};

use crate::{
    common::{Backend, TestApp, database::TestDatabase, mana_auth},
    on_every_backend,
};

/// A database with nothing in it: an SQLite file not yet there, or a new PostgreSQL database.
async fn empty(backend: Backend) -> TestDatabase {
    match backend {
        Backend::Sqlite => TestDatabase::create(Backend::Sqlite).await,
        Backend::Postgres(_) => TestDatabase::empty_postgres().await,
    }
}

fn sqlite_file(url: &str) -> Option<PathBuf> {
    mana_auth::store::db::sqlite_path(url).map(PathBuf::from)
}

/// How many tables the database has; an SQLite file that does not exist has none.
async fn tables(url: &str) -> i64 {
    if sqlite_file(url).is_some_and(|path| !path.exists()) {
        return 0;
    }
    let db = Database::connect(url).await.expect("connect");
    let sql = if url.starts_with("sqlite") {
        "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table'"
    } else {
        "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = 'public'"
    };
    let row = db.query_one_raw(Statement::from_string(db.get_database_backend(), sql)).await.expect("count");
    let n = row.and_then(|r| r.try_get::<i64>("", "n").ok()).unwrap_or(0);
    db.close().await.expect("close");
    n
}

async fn applied_migrations(url: &str) -> usize {
    let db = Database::connect(url).await.expect("connect");
    let applied = Migrator::get_applied_migrations(&db).await.expect("applied").len();
    db.close().await.expect("close");
    applied
}

fn on(url: &str, args: &[&str]) -> (bool, String, String) {
    let output = mana_auth(args, &[("MANA_AUTH__DATABASE__URL", url)], "");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

/// A backup of a served database, written in the clear to a directory of its own.
async fn a_backup() -> PathBuf {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let dir = std::env::temp_dir().join(format!("mana-auth-schema-{}", mana_auth::security::opaque::random_token(6)));
    let (ok, out, err) = on(&app.database_url, &["backup", "create", "--no-encrypt", "--out", &dir.to_string_lossy()]);
    assert!(ok, "{err}");
    PathBuf::from(out.split_whitespace().next().expect("the backup's path"))
}

async fn commands_leave_an_empty_database_empty_and_restore_gives_it_a_schema(backend: Backend) {
    let target = empty(backend).await;
    let url = target.url.as_str();
    let out = std::env::temp_dir().join(format!("mana-auth-out-{}", mana_auth::security::opaque::random_token(6)));
    let out = out.to_string_lossy();
    let commands: [&[&str]; 6] = [
        &["doctor"],
        &["audit"],
        &["keys", "list"],
        &["client", "list"],
        &["cleanup"],
        &["backup", "create", "--no-encrypt", "--out", &out],
    ];
    for args in commands {
        let (ok, out, err) = on(url, args);
        assert!(!ok, "{args:?} must refuse a database without a schema");
        assert_eq!(err.trim().lines().count(), 1, "{args:?}: one line: {err}");
        let said = format!("{out}{err}");
        assert!(said.contains("no database at") || said.contains("no schema yet"), "{args:?}: {said}");
    }
    assert_eq!(tables(url).await, 0, "nothing was created, not even the migrations table");

    let backup = a_backup().await;
    let (ok, said, err) = on(url, &["restore", &backup.to_string_lossy(), "--dry-run"]);
    assert!(ok, "{err}");
    assert!(said.contains("nothing changed"), "{said}");
    assert!(said.contains("does not exist") || said.contains("empty; a restore creates schema"), "{said}");
    assert_eq!(tables(url).await, 0, "a dry run creates nothing");

    let (ok, _, err) = on(url, &["restore", &backup.to_string_lossy()]);
    assert!(ok, "{err}");
    let (_, audited, _) = on(url, &["audit", "--type", "backup.restored"]);
    assert_eq!(audited.lines().count(), 1, "the restore is audited: {audited}");
    assert_eq!(applied_migrations(url).await, Migrator::migrations().len(), "the backup's schema, exactly");
    let (ok, report, _) = on(url, &["doctor"]);
    assert!(ok, "{report}");
}
on_every_backend!(commands_leave_an_empty_database_empty_and_restore_gives_it_a_schema);

async fn an_older_schema_is_named_and_left_as_it_is(backend: Backend) {
    let target = empty(backend).await;
    let url = target.url.as_str();
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    let older = names.len() - 1;
    let db = Database::connect(url).await.expect("connect");
    Migrator::up(&db, Some(u32::try_from(older).expect("few"))).await.expect("migrate to the older schema");
    db.close().await.expect("close");
    let expected = format!(
        "schema at {}, this binary expects {}: back up, then run `mana-auth migrate`",
        names[older - 1],
        names[older]
    );

    let (ok, report, _) = on(url, &["doctor"]);
    assert!(!ok, "doctor fails on a pending migration: {report}");
    assert!(report.contains(&expected), "{report}");
    assert!(report.contains(&format!("migration {} is not applied", names[older])), "{report}");
    for args in [&["audit"][..], &["keys", "list"], &["client", "list"]] {
        let (ok, _, err) = on(url, args);
        assert!(!ok && err.contains(&expected), "{args:?}: {err}");
    }
    let mut config = mana_auth::config::Config::load(None).expect("defaults");
    config.database.url = mana_auth::config::Secret::new(url);
    config.database.migrate_on_start = false;
    let Err(refused) = mana_auth::build_state(config).await else { panic!("serve must not start on an older schema") };
    assert!(refused.to_string().contains(&expected), "{refused}");
    assert_eq!(applied_migrations(url).await, older, "no command changed the schema");

    let (ok, _, err) = on(url, &["migrate"]);
    assert!(ok, "{err}");
    let (_, report, _) = on(url, &["doctor"]);
    assert!(report.lines().any(|l| l == "schema: ok"), "{report}");
}
on_every_backend!(an_older_schema_is_named_and_left_as_it_is);

/// `backup create` copies a database at an older schema as it is, before `migrate`:
/// the tables and columns that schema has, tagged with its version, and the schema is
/// left alone. This binary refuses to restore it; the mana-auth of that schema reads it.
async fn an_older_schema_is_backed_up_as_it_is(backend: Backend) {
    let target = empty(backend).await;
    let url = target.url.as_str();
    let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
    // Job claims exist, their finishing time and the alert outbox not yet.
    let older = names.iter().position(|name| name.ends_with("_create_notifications")).expect("the outbox migration");
    let db = Database::connect(url).await.expect("connect");
    Migrator::up(&db, Some(u32::try_from(older).expect("few"))).await.expect("migrate to the older schema");
    db.execute_unprepared("INSERT INTO job_runs (job, tick, claimed_at) VALUES ('backup', 7, 8)")
        .await
        .expect("a row of that time");
    db.close().await.expect("close");

    let dir = std::env::temp_dir().join(format!("mana-auth-older-{}", mana_auth::security::opaque::random_token(6)));
    let (ok, out, err) = on(url, &["backup", "create", "--no-encrypt", "--out", &dir.to_string_lossy()]);
    assert!(ok, "{err}");
    assert_eq!(applied_migrations(url).await, older, "the schema is left as it is");
    let file = PathBuf::from(out.split_whitespace().next().expect("the backup's path"));
    let bytes = std::fs::read(&file).expect("read");
    let json = mana_auth::ops::backup::envelope::open(&bytes, None).expect("open");
    let snapshot: mana_auth::ops::backup::Snapshot = serde_json::from_slice(&json).expect("a snapshot");
    assert_eq!(snapshot.manifest.schema_version, names[older - 1], "tagged with its own schema");
    assert!(!snapshot.tables.contains_key("notifications"), "no table that schema does not have");
    let runs = &snapshot.tables["job_runs"];
    assert_eq!(runs, &vec![serde_json::json!({"job": "backup", "tick": 7, "claimed_at": 8})], "its columns only");

    let (ok, _, err) = on(url, &["restore", &file.to_string_lossy(), "--dry-run"]);
    assert!(!ok && err.contains("restore it with the matching version"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}
on_every_backend!(an_older_schema_is_backed_up_as_it_is);
