//! Backups restore anywhere: SQLite and PostgreSQL both ways, tokens issued before the
//! backup still work after the restore, and damaged or foreign files change nothing.

use std::path::{Path, PathBuf};

use mana_auth::{
    admin::backups,
    config::{S3Config, Secret},
    ops::backup::{self, BackupError, snapshot},
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::common::{
    Backend, TestApp,
    api::{Api, text},
};

const KEY: &str = "backup passphrase for tests";

fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("mana-auth-backups-{}", mana_auth::security::opaque::random_token(6)))
}

async fn with_key(backend: Backend) -> TestApp {
    TestApp::spawn_with(backend, |c| c.backup.key = Some(Secret::new(KEY))).await
}

/// A populated app: accounts, a session with tokens, credits spent, an organization.
async fn populated(backend: Backend) -> (TestApp, Value) {
    let app = with_key(backend).await;
    let api = Api::new(&app.base);
    let (status, _) = api
        .post(
            "/api/v1/auth/register/b2b",
            None,
            &json!({"organizationName": "Acme", "ownerEmail": "boss@example.org", "ownerPassword": crate::common::PASSWORD}),
        )
        .await;
    assert_eq!(status, 201);
    let tokens = api.signed_up("ada@example.org").await;
    let access = text(&tokens, "accessToken");
    let (status, _) =
        api.post("/api/v1/credits/use", Some(&access), &json!({"amount": 30, "appId": "a", "description": "d"})).await;
    assert_eq!(status, 200);
    (app, tokens)
}

async fn round_trip(source: Backend, target: Backend) {
    let (from, tokens) = populated(source).await;
    let dir = scratch_dir();
    let started = std::time::Instant::now();
    let file = backups::create(&from.db, &from.state.config, Some(&dir), false).await.expect("backup").path;
    let took = started.elapsed();
    let rows_before = snapshot::dump_all(&from.db).await.expect("dump");

    // The same provider restored elsewhere: same issuer.
    let issuer = from.state.config.issuer.clone();
    let to = TestApp::spawn_with(target, |c| {
        c.backup.key = Some(Secret::new(KEY));
        c.issuer = issuer;
    })
    .await;
    let started = std::time::Instant::now();
    let restored = backups::restore(&to.db, &to.state.config, &file, true).await.expect("restore");
    eprintln!("backup {took:?}, restore {:?}, {restored} rows", started.elapsed());
    to.state.keys.refresh(&to.db).await.expect("reload keys");
    let mut rows_after = snapshot::dump_all(&to.db).await.expect("dump");
    let events = rows_after.get_mut("security_events").expect("events");
    let restores = events.iter().filter(|e| e["kind"] == "backup.restored").count();
    events.retain(|e| e["kind"] != "backup.restored");
    assert_eq!(restores, 1, "the restore is audited, after the rows it brought back");
    assert_eq!(rows_after, rows_before, "every row is back");

    let api = Api::new(&to.base);
    assert_eq!(api.validate(&text(&tokens, "accessToken")).await["valid"], true, "a token from before verifies");
    let (status, refreshed) =
        api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    assert_eq!(status, 200, "its refresh token works: {refreshed}");
    let (_, balance) = api.get("/api/v1/credits/balance", &text(&refreshed, "accessToken")).await;
    assert_eq!(balance["balance"], 125);
    let verified = backups::verify(&file, &to.state.config).await.expect("verify");
    assert!(verified.ledger_problems.is_empty());
    assert_eq!(verified.rows, restored);
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_backup_restores_into_sqlite() {
    round_trip(Backend::Sqlite, Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn sqlite_backup_restores_into_postgres() {
    round_trip(Backend::Sqlite, Backend::postgres()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn postgres_backup_restores_into_sqlite() {
    round_trip(Backend::postgres(), Backend::Sqlite).await;
}

fn damaged(path: &Path, name: &str, change: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let mut bytes = std::fs::read(path).expect("read");
    change(&mut bytes);
    let copy = path.with_file_name(name);
    std::fs::write(&copy, bytes).expect("write");
    copy
}

async fn bad_backups_are_refused_and_change_nothing(backend: Backend) {
    let (app, _) = populated(backend).await;
    let dir = scratch_dir();
    let good = backups::create(&app.db, &app.state.config, Some(&dir), false).await.expect("backup").path;
    let before = snapshot::dump_all(&app.db).await.expect("dump");

    let flipped = damaged(&good, "flipped.backup", |b| {
        let middle = b.len() / 2;
        b[middle] ^= 0x40;
    });
    let truncated = damaged(&good, "truncated.backup", |b| b.truncate(b.len() / 2));
    let mut future = backup::take(&app.db).await.expect("snapshot");
    future.manifest.schema_version = "m29990101_000001_from_the_future".into();
    let future_file = dir.join("future.backup");
    std::fs::write(
        &future_file,
        backup::envelope::seal(&serde_json::to_vec(&future).expect("json"), None).expect("seal"),
    )
    .expect("write");
    let mut wrong_key = (*app.state.config).clone();
    wrong_key.backup.key = Some(Secret::new("not the passphrase"));

    let cases: [(&Path, &mana_auth::config::Config); 4] = [
        (&flipped, &app.state.config),
        (&truncated, &app.state.config),
        (&good, &wrong_key),
        (&future_file, &app.state.config),
    ];
    for (file, config) in cases {
        let refused = backups::restore(&app.db, config, file, true).await.expect_err("refused");
        let message = refused.to_string();
        assert!(!message.is_empty());
        if file == future_file {
            assert!(matches!(refused, BackupError::SchemaMismatch { .. }), "{message}");
        }
        assert_eq!(snapshot::dump_all(&app.db).await.expect("dump"), before, "{} changed nothing", file.display());
    }
    let not_empty = backups::restore(&app.db, &app.state.config, &good, false).await.expect_err("refused");
    assert!(matches!(not_empty, BackupError::NotEmpty));
    assert!(backups::check_restore(&app.state.config, &good).await.is_ok(), "a dry run only reads");
    let mut unkeyed = (*app.state.config).clone();
    unkeyed.backup.key = None;
    assert!(backups::create(&app.db, &unkeyed, Some(&dir), false).await.is_err(), "no key, no silent plaintext");
    let plain = backups::create(&app.db, &unkeyed, Some(&dir), true).await.expect("--no-encrypt").path;
    assert!(backup::read(&std::fs::read(&plain).expect("read"), None).is_ok());
    assert_eq!(backup::list(&dir).expect("list").len(), 5);
    let watched = dir.display().to_string();
    let observer = app.spawn_beside(|c| c.backup.dir = watched).await;
    let metrics = observer.metrics().await;
    assert!(
        metrics.lines().any(|l| l.starts_with("mana_auth_last_backup_timestamp_seconds ") && !l.ends_with(" 0")),
        "{metrics}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
crate::on_every_backend!(bad_backups_are_refused_and_change_nothing);

/// Waits up to five seconds for a backup in `dir` other than `old`.
async fn scheduled_backup(dir: &Path, old: &Path) -> Option<PathBuf> {
    for _ in 0..50 {
        let written = backup::list(dir).expect("list");
        if let Some((file, _)) = written.into_iter().find(|(file, _)| file != old) {
            return Some(file);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    None
}

/// A backup file dated `days` ago in `dir`.
fn old_backup(dir: &Path, days: u64) -> PathBuf {
    std::fs::create_dir_all(dir).expect("dir");
    let path = dir.join("mana-auth-20250101-000000-old000.backup");
    let file = std::fs::File::create(&path).expect("create");
    let then = std::time::SystemTime::now() - std::time::Duration::from_secs(days * 86_400);
    file.set_modified(then).expect("date it");
    path
}

async fn serve_writes_backups_on_its_schedule_and_prunes_old_ones(backend: Backend) {
    let dir = scratch_dir();
    let old = old_backup(&dir, 31);
    let watched = dir.display().to_string();
    let app = TestApp::spawn_with(backend, |c| {
        c.backup.key = Some(Secret::new(KEY));
        c.backup.dir = watched;
        c.backup.schedule = "* * * * * *".into();
    })
    .await;
    let file = scheduled_backup(&dir, &old).await.expect("a scheduled backup was written");
    assert!(backups::verify(&file, &app.state.config).await.expect("it verifies").ledger_problems.is_empty());
    let mut pruned = false;
    for _ in 0..50 {
        if !old.exists() {
            pruned = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(pruned, "a backup older than backup.keep_days (30) is pruned after a scheduled one");
    let metrics = app.metrics().await;
    let value = |name: &str| metric(&metrics, name);
    assert!(value("mana_auth_backup_last_success_timestamp_seconds") > 0.0, "{metrics}");
    assert!(value("mana_auth_backup_last_size_bytes") > 0.0, "{metrics}");
    assert!(value("mana_auth_backup_last_duration_seconds") > 0.0, "{metrics}");
    assert_eq!(value("mana_auth_backup_failures_total"), 0.0);
    let runs = entity::job_runs::Entity::find()
        .filter(entity::job_runs::Column::Job.eq("backup"))
        .all(&app.db)
        .await
        .expect("job runs");
    assert!(runs.iter().any(|run| run.finished_at.is_some()), "the run is recorded as done, for the staleness alert");
    drop(app);
    let _ = std::fs::remove_dir_all(dir);
}
crate::on_every_backend!(serve_writes_backups_on_its_schedule_and_prunes_old_ones);

/// The value of metric `name` (without labels) in a Prometheus text page.
fn metric(page: &str, name: &str) -> f64 {
    crate::common::metric(page, name).unwrap_or_else(|| panic!("no {name} in {page}"))
}

/// A scheduled backup that cannot be written is counted, with its time.
async fn failed_scheduled_backups_are_counted(backend: Backend) {
    let blocker = scratch_dir();
    std::fs::write(&blocker, "a file where the backup folder should be").expect("write");
    let unwritable = blocker.join("backups").display().to_string();
    let app = TestApp::spawn_with(backend, |c| {
        c.backup.key = Some(Secret::new(KEY));
        c.backup.dir = unwritable;
        c.backup.schedule = "* * * * * *".into();
    })
    .await;
    let mut failures = 0.0;
    for _ in 0..50 {
        failures = metric(&app.metrics().await, "mana_auth_backup_failures_total");
        if failures >= 1.0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(failures >= 1.0, "a failed scheduled backup is counted");
    let metrics = app.metrics().await;
    assert!(metric(&metrics, "mana_auth_backup_last_failure_timestamp_seconds") > 0.0);
    assert_eq!(metric(&metrics, "mana_auth_backup_last_success_timestamp_seconds"), 0.0);
    drop(app);
    let _ = std::fs::remove_file(blocker);
}
crate::on_every_backend!(failed_scheduled_backups_are_counted);

/// Without a backup key the server starts and says so; only `allow_unencrypted`
/// makes it write unencrypted backups.
async fn without_a_key_scheduled_backups_are_reported_or_written_in_the_clear(backend: Backend) {
    let dir = scratch_dir();
    let watched = dir.display().to_string();
    let app = TestApp::spawn_with(backend.clone(), |c| {
        c.backup.dir = watched.clone();
        c.backup.schedule = "* * * * * *".into();
    })
    .await;
    let ready = reqwest::get(app.url("/health/ready")).await.expect("ready");
    assert_eq!(ready.status(), 200, "the server still serves");
    let body: Value = ready.json().await.expect("json");
    assert!(body["details"]["backups"].as_str().is_some_and(|d| d.contains("no backup key")), "{body}");
    assert!(app.metrics().await.contains("mana_auth_backups_without_key 1"));
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert!(backup::list(&dir).map(|l| l.is_empty()).unwrap_or(true), "nothing written without a key");
    drop(app);

    let app = TestApp::spawn_with(backend, |c| {
        c.backup.dir = watched;
        c.backup.schedule = "* * * * * *".into();
        c.backup.allow_unencrypted = true;
    })
    .await;
    let body: Value = reqwest::get(app.url("/health/ready")).await.expect("ready").json().await.expect("json");
    assert!(body.get("details").is_none(), "{body}");
    assert!(app.metrics().await.contains("mana_auth_backups_without_key 0"));
    let file = scheduled_backup(&dir, Path::new("")).await.expect("an unencrypted backup was written");
    let read = backup::read(&std::fs::read(&file).expect("read"), None).expect("it opens without a key");
    assert!(read.tables.contains_key("users"));
    drop(app);
    let _ = std::fs::remove_dir_all(dir);
}
crate::on_every_backend!(without_a_key_scheduled_backups_are_reported_or_written_in_the_clear);

/// A bucket of its own on the S3-compatible server at `MANA_AUTH_TEST_S3_URL`.
async fn s3_bucket(prefix: &str) -> S3Config {
    let endpoint = std::env::var("MANA_AUTH_TEST_S3_URL").expect("MANA_AUTH_TEST_S3_URL, set when the suite was built");
    let bucket = format!("mana-auth-{}", mana_auth::security::opaque::random_token(8).to_lowercase().replace('_', "-"));
    let created = reqwest::Client::new().put(format!("{endpoint}/{bucket}")).send().await.expect("create bucket");
    assert!(created.status().is_success(), "create bucket: {}", created.status());
    S3Config {
        bucket,
        prefix: prefix.into(),
        region: Some("us-east-1".into()),
        endpoint: Some(endpoint),
        access_key_id: Some("mana-auth-test".into()),
        secret_access_key: Some(Secret::new("mana-auth-test-secret")),
    }
}

/// With `backup.s3` every backup is uploaded too, `list` shows both places, and after the
/// machine's own copy is gone the backup still verifies and restores from the bucket.
async fn backups_are_uploaded_to_object_storage(backend: Backend) {
    let s3 = s3_bucket("production/").await;
    let (app, tokens) = populated(backend.clone()).await;
    let dir = scratch_dir();
    let mut config = (*app.state.config).clone();
    config.backup.dir = dir.display().to_string();
    config.backup.s3 = Some(s3.clone());
    let created = backups::create(&app.db, &config, None, false).await.expect("backup");
    let name = created.path.file_name().expect("name").to_string_lossy().into_owned();
    let url = format!("s3://{}/production/{name}", s3.bucket);
    assert_eq!(created.uploaded.as_deref(), Some(url.as_str()));

    let listed = backups::list(&config).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].places, vec![created.path.display().to_string(), url.clone()], "both places");
    let size = listed[0].size;
    std::fs::remove_dir_all(&dir).expect("lose the local copy");
    let listed = backups::list(&config).await.expect("list");
    assert_eq!(listed[0].places, vec![url.clone()], "only the bucket is left");
    assert_eq!(listed[0].size, size, "the whole file went up");

    let from_bucket = Path::new(&url);
    assert!(backups::verify(from_bucket, &config).await.expect("verify").ledger_problems.is_empty());
    let issuer = app.state.config.issuer.clone();
    let to = TestApp::spawn_with(backend, |c| {
        c.backup.key = Some(Secret::new(KEY));
        c.backup.s3 = Some(s3.clone());
        c.issuer = issuer;
    })
    .await;
    backups::restore(&to.db, &to.state.config, from_bucket, true).await.expect("restore from the bucket");
    to.state.keys.refresh(&to.db).await.expect("reload keys");
    assert_eq!(Api::new(&to.base).validate(&text(&tokens, "accessToken")).await["valid"], true);

    let elsewhere = format!("s3://another-bucket/production/{name}");
    let refused = backups::check_restore(&to.state.config, Path::new(&elsewhere)).await;
    assert!(matches!(refused, Err(BackupError::Remote(_))), "only the configured bucket");
    let missing = format!("s3://{}/production/none.backup", s3.bucket);
    assert!(matches!(backups::verify(Path::new(&missing), &config).await, Err(BackupError::Remote(_))));
    let Err(unconfigured) = backups::verify(from_bucket, &app.state.config).await else {
        panic!("verified without backup.s3");
    };
    assert!(unconfigured.to_string().contains("backup.s3 is not configured"), "{unconfigured}");

    assert_eq!(backups::prune(&config, 1).await.expect("prune"), 0, "a fresh backup stays");
    assert_eq!(backups::prune(&config, 0).await.expect("prune"), 1, "retention reaches the bucket");
    assert!(backups::list(&config).await.expect("list").is_empty());
}
crate::on_every_backend!(backups_are_uploaded_to_object_storage, needs test_s3);
