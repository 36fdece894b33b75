//! A database outage, made by the test itself: a TCP proxy between the app and
//! PostgreSQL that refuses connections, or stalls them (accepted, never answered), and
//! is then restored; a restart, by ending the app's server connections. Requests fail
//! closed with 503 within the configured timeouts, never 500, and everything recovers
//! by itself. On SQLite the outage is a file another connection keeps locked.

use std::time::Duration;

use crate::common::{
    Backend, PASSWORD, TestApp,
    api::Api,
    proxy::{Link, app_behind_proxy},
};
use sea_orm::{
    ConnectionTrait, Database,
    sqlx::{Connection, SqliteConnection},
};
use serde_json::{Value, json};

/// The status of GET `path`; a guard far above every timeout under test keeps a hang
/// from going unnoticed.
async fn status(app: &TestApp, path: &str) -> u16 {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().expect("client");
    client.get(app.url(path)).send().await.expect("answered in time").status().as_u16()
}

async fn wait_for_status(app: &TestApp, path: &str, want: u16) -> bool {
    for _ in 0..60 {
        if status(app, path).await == want {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

/// Signs in until it works, and fails if any answer on the way is other than 503.
async fn sign_in_recovers_without_a_500(api: &Api, login: &Value) {
    for _ in 0..40 {
        let (status, body) = api.post("/api/v1/auth/login", None, login).await;
        match status.as_u16() {
            200 => return,
            503 => assert_eq!(body["error"], "unavailable", "{body}"),
            other => panic!("sign-in answered {other} while the database came back: {body}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("sign-in did not recover");
}

async fn outage_fails_closed_and_recovers(link: Link) {
    let (app, proxy) = app_behind_proxy(|_| {}).await;
    let api = Api::new(&app.base);
    api.signed_up("outage@example.org").await;
    let login = json!({"email": "outage@example.org", "password": PASSWORD});

    proxy.send_replace(link);
    assert_eq!(status(&app, "/health/ready").await, 503, "readiness reports the outage");
    let (status_code, body) = api.post("/api/v1/auth/login", None, &login).await;
    assert_eq!((status_code.as_u16(), body["error"].as_str()), (503, Some("unavailable")), "{body}");
    let page = reqwest::get(app.url("/email/verify?token=abc")).await.expect("get");
    assert_eq!(page.status(), 503, "hosted pages say it too");
    assert!(page.text().await.expect("html").contains("unavailable"));
    assert_eq!(status(&app, "/health").await, 200, "the process itself lives");

    proxy.send_replace(Link::Up);
    assert!(wait_for_status(&app, "/health/ready", 200).await, "readiness recovers by itself");
    sign_in_recovers_without_a_500(&api, &login).await;
    assert_eq!(status(&app, "/email/verify?token=abc").await, 400, "pages work again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn a_database_that_refuses_connections_fails_closed_and_recovers() {
    outage_fails_closed_and_recovers(Link::Refusing).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn a_database_that_stalls_fails_closed_within_the_timeouts_and_recovers() {
    outage_fails_closed_and_recovers(Link::Silent).await;
}

/// A restart ends every server connection; the first use of each pooled one fails,
/// and that is answered as unavailable, not as an internal error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn a_restarted_database_costs_at_most_a_brief_503() {
    let backend = Backend::postgres();
    let Backend::Postgres(admin) = &backend else { return };
    let app = TestApp::spawn_with(backend.clone(), |c| {
        c.security.rate_limit.signin_per_ip = 0;
        c.security.rate_limit.signin_per_account = 0;
    })
    .await;
    let api = Api::new(&app.base);
    api.signed_up("restart@example.org").await;
    let login = json!({"email": "restart@example.org", "password": PASSWORD});
    for _ in 0..4 {
        api.login("restart@example.org", None).await;
    }

    let name = url::Url::parse(&app.database_url).expect("url").path().trim_start_matches('/').to_owned();
    let server = Database::connect(admin.as_str()).await.expect("connect");
    server
        .execute_unprepared(&format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ))
        .await
        .expect("end the app's connections");
    server.close().await.ok();

    sign_in_recovers_without_a_500(&api, &login).await;
    for _ in 0..8 {
        let (status, body) = api.post("/api/v1/auth/login", None, &login).await;
        assert!(matches!(status.as_u16(), 200 | 503), "{status}: {body}");
    }
    assert!(wait_for_status(&app, "/health/ready", 200).await);
}

/// SQLite's outage: another connection holds the write lock. Writes give up after the
/// statement timeout with 503; reads go on (WAL), and writes work once it lets go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_sqlite_file_fails_writes_closed_until_it_is_released() {
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.database.statement_timeout_secs = 1).await;
    let api = Api::new(&app.base);
    let mut other = SqliteConnection::connect(&app.database_url).await.expect("open");
    let lock = other.begin_with("BEGIN IMMEDIATE").await.expect("take the write lock");

    let register = json!({"email": "locked@example.org", "password": PASSWORD});
    let (status_code, body) = api.post("/api/v1/auth/register", None, &register).await;
    assert_eq!((status_code.as_u16(), body["error"].as_str()), (503, Some("unavailable")), "{body}");
    assert_eq!(status(&app, "/health/ready").await, 200, "reads go on");

    lock.rollback().await.expect("let go");
    let (status_code, body) = api.post("/api/v1/auth/register", None, &register).await;
    assert!(status_code.is_success(), "{status_code}: {body}");
}
