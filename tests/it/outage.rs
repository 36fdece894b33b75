//! A database outage, made by the test itself: a TCP proxy between the app and
//! PostgreSQL that it cuts and restores. Requests fail closed with 503 while it is down,
//! and everything recovers by itself when it is back.

use std::{net::SocketAddr, time::Duration};

use crate::common::{Backend, PASSWORD, TestApp, api::Api, proxy::spawn_proxy};
use serde_json::json;

async fn wait_for_status(app: &TestApp, path: &str, status: u16) -> bool {
    for _ in 0..60 {
        if reqwest::get(app.url(path)).await.is_ok_and(|r| r.status().as_u16() == status) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn a_database_outage_fails_closed_and_recovers() {
    let backend = Backend::postgres();
    let Backend::Postgres(admin) = &backend else { return };
    let server = url::Url::parse(admin).expect("url");
    let target: SocketAddr = format!("{}:{}", server.host_str().unwrap_or("127.0.0.1"), server.port().unwrap_or(5432))
        .parse()
        .expect("PostgreSQL address");
    let (port, up) = spawn_proxy(target).await;
    let app = TestApp::spawn_with(backend, |c| {
        let mut url = url::Url::parse(c.database.url.expose()).expect("url");
        url.set_port(Some(port)).expect("port");
        c.database.url = mana_auth::config::Secret::new(url.to_string());
        c.database.connect_timeout_secs = 1;
    })
    .await;
    let api = Api::new(&app.base);
    api.signed_up("outage@example.org").await;
    let login = json!({"email": "outage@example.org", "password": PASSWORD});

    up.send_replace(false);
    assert!(wait_for_status(&app, "/health/ready", 503).await, "readiness reports the outage");
    let (status, body) = api.post("/api/v1/auth/login", None, &login).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (503, Some("unavailable")), "{body}");
    assert_eq!(reqwest::get(app.url("/health")).await.expect("get").status(), 200, "the process itself lives");

    up.send_replace(true);
    assert!(wait_for_status(&app, "/health/ready", 200).await, "readiness recovers by itself");
    let (status, _) = api.post("/api/v1/auth/login", None, &login).await;
    assert_eq!(status, 200, "requests work again");
}
