//! Read-only while the primary is down (`database.read_replica_url`): a TCP proxy in
//! front of the primary that the test cuts, and a second database, restored from a
//! backup of the first, as the replica behind a proxy of its own. What needs no write
//! goes on answering; writes answer 503 with Retry-After; readiness says `degraded:
//! read-only`, and 503 once the replica is gone too; once the primary is back,
//! everything goes to it again.

use mana_auth::{admin::backups, config::Secret};
use reqwest::StatusCode;
use serde_json::json;

use openidconnect::OAuth2TokenResponse;

use crate::common::{
    PASSWORD, RP_SECRET, TestApp,
    api::{Api, text},
    database::TestDatabase,
    introspect,
    proxy::{Link, app_behind_proxy, behind_proxy},
    signed_in_code,
};

/// A copy of the app's database as it is now, in `replica`.
async fn copy_into(app: &TestApp, replica: &TestDatabase) {
    let dir = std::env::temp_dir().join(format!("mana-auth-replica-{}", mana_auth::security::opaque::random_token(6)));
    let created = backups::create(&app.db, &app.state.config, Some(&dir), true).await.expect("backup");
    let mut config = (*app.state.config).clone();
    config.database.url = Secret::new(replica.url.clone());
    config.database.read_replica_url = None;
    let db = mana_auth::store::db::connect(&config.database).await.expect("open the replica");
    backups::restore(&db, &config, &created.path, false).await.expect("restore into the replica");
    db.close().await.ok();
    let _ = std::fs::remove_dir_all(dir);
}

async fn ready(app: &TestApp) -> (StatusCode, serde_json::Value) {
    let answer = reqwest::get(app.url("/health/ready")).await.expect("ready");
    (answer.status(), answer.json().await.expect("json"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn reads_go_on_from_the_replica_while_the_primary_is_down() {
    let replica = TestDatabase::empty_postgres().await;
    let (replica_url, replica_link) = behind_proxy(&replica.url).await;
    let (app, proxy) = app_behind_proxy(|c| c.database.read_replica_url = Some(Secret::new(replica_url))).await;
    let api = Api::new(&app.base);
    let tokens = api.signed_up("replica@example.org").await;
    let access = text(&tokens, "accessToken");
    let (rp, request, code, _) =
        signed_in_code(&app, "rp", Some(RP_SECRET), "replica@example.org", &["openid", "email"]).await;
    let oidc = rp.exchange(&code, request.verifier).await.expect("tokens");
    copy_into(&app, &replica).await;

    proxy.send_replace(Link::Refusing);
    // The first read finds the primary gone and is answered by the replica.
    let (status, me) = api.get("/api/v1/auth/me", &access).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], "replica@example.org");
    let (status, balance) = api.get("/api/v1/credits/balance", &access).await;
    assert_eq!(status, 200, "{balance}");
    let (status, history) = api.get("/api/v1/credits/transactions", &access).await;
    assert_eq!(status, 200, "{history}");
    assert_eq!(api.validate(&access).await["valid"], true);
    assert_eq!(introspect(&app, &access).await["active"], true);
    let userinfo = reqwest::Client::new()
        .get(app.url("/userinfo"))
        .bearer_auth(oidc.access_token().secret())
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 200);
    for path in ["/.well-known/openid-configuration", "/.well-known/jwks.json"] {
        assert_eq!(reqwest::get(app.url(path)).await.expect("get").status(), 200, "{path}");
    }
    let (status, body) = ready(&app).await;
    assert_eq!((status, &body["status"], &body["degraded"]), (StatusCode::OK, &json!("degraded"), &json!("read-only")));

    // Writes are refused, with when to try again.
    let register = reqwest::Client::new()
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"email": "new@example.org", "password": PASSWORD}))
        .send()
        .await
        .expect("register");
    assert_eq!(register.status(), 503);
    assert_eq!(register.headers()["retry-after"], "5");
    let (status, body) =
        api.post("/api/v1/auth/login", None, &json!({"email": "replica@example.org", "password": PASSWORD})).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (503, Some("unavailable")), "a sign-in writes: {body}");

    // With the replica gone too, nothing answers: out of rotation, reads refused.
    replica_link.send_replace(Link::Refusing);
    let (status, body) = ready(&app).await;
    assert_eq!((status, &body["status"]), (StatusCode::SERVICE_UNAVAILABLE, &json!("unavailable")), "{body}");
    let (status, me) = api.get("/api/v1/auth/me", &access).await;
    assert_eq!(status, 503, "{me}");
    replica_link.send_replace(Link::Up);

    proxy.send_replace(Link::Up);
    let mut back = false;
    for _ in 0..40 {
        if ready(&app).await.1["status"] == "ready" {
            back = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(back, "readiness recovers by itself");
    // The pool's connections from before the outage may cost a brief 503 each.
    let register = json!({"email": "new@example.org", "password": PASSWORD});
    for _ in 0..40 {
        let (status, body) = api.post("/api/v1/auth/register", None, &register).await;
        match status.as_u16() {
            201 => return,
            503 => tokio::time::sleep(std::time::Duration::from_millis(100)).await,
            other => panic!("registration answered {other} once the primary was back: {body}"),
        }
    }
    panic!("writes did not reach the primary again");
}
