//! Health checks and metrics, and failing closed when the database is gone.

use mana_auth::config::Secret;
use serde_json::{Value, json};

use crate::{
    common::{Backend, SERVICE_SECRET, TestApp, api::Api, token_request},
    on_every_backend,
};

async fn health_and_metrics_report_what_happened(backend: Backend) {
    // The second refresh below is a reuse: no grace for retries (see `refresh_retry`).
    let app = TestApp::spawn_with(backend, |c| c.tokens.refresh_retry_secs = 0).await;
    let live: Value = reqwest::get(app.url("/health")).await.expect("get").json().await.expect("json");
    assert_eq!(live, json!({"status": "ok"}));
    let ready = reqwest::get(app.url("/health/ready")).await.expect("get");
    assert_eq!(ready.status(), 200);
    let first = request_id(&ready);
    let second = request_id(&reqwest::get(app.url("/health")).await.expect("get"));
    assert_ne!(first, second, "every response names its own request");
    assert_eq!(first.split_once('-').map(|p| p.0), second.split_once('-').map(|p| p.0), "one process, one prefix");

    reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get");
    assert_eq!(
        token_request(&app, ("service", SERVICE_SECRET), &[("grant_type", "client_credentials")]).await.status(),
        200
    );
    let api = Api::new(&app.base);
    let tokens = api.signed_up("metrics@example.org").await;
    api.post("/api/v1/auth/login", None, &json!({"email": "metrics@example.org", "password": "wrong password"})).await;
    api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    let token = crate::common::api::text(&api.login("metrics@example.org", None).await, "accessToken");
    api.post("/api/v1/credits/use", Some(&token), &json!({"amount": 10, "appId": "a", "description": "d"})).await;

    let response = reqwest::get(format!("{}/metrics", app.metrics_base)).await.expect("get");
    assert!(response.headers()["content-type"].to_str().expect("text").starts_with("text/plain"));
    let text = response.text().await.expect("text");
    for line in [
        r#"mana_auth_http_requests_total{method="GET",route="/.well-known/openid-configuration",status="200"} 1"#,
        r#"mana_auth_tokens_issued_total{grant="client_credentials"} 1"#,
        r#"mana_auth_tokens_issued_total{grant="api_login"} 2"#,
        r#"mana_auth_sign_in_failures_total{surface="api"} 1"#,
        "mana_auth_refresh_token_reuse_total 1",
        "mana_auth_credits_spent_total 10",
    ] {
        assert!(text.lines().any(|l| l == line), "missing `{line}` in:\n{text}");
    }
    assert!(text.contains(r#"mana_auth_signing_key_age_seconds{alg="EdDSA"}"#));
    assert!(text.contains("mana_auth_log_lines_dropped_total 0"), "the log writer has dropped nothing");
    assert!(text.contains(r#"mana_auth_http_request_duration_seconds_bucket{route="/api/v1/auth/login""#));
}
on_every_backend!(health_and_metrics_report_what_happened);

async fn unknown_paths_are_logged_and_answered_like_any_other(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let missing = reqwest::get(app.url("/no/such/path")).await.expect("get");
    assert_eq!(missing.status(), 404);
    assert!(!request_id(&missing).is_empty());
    assert_eq!(missing.headers()["x-content-type-options"], "nosniff");
    assert_eq!(missing.headers()["referrer-policy"], "no-referrer");
    let text = app.metrics().await;
    let line = r#"mana_auth_http_requests_total{method="GET",route="unmatched",status="404"} 1"#;
    assert!(text.lines().any(|l| l == line), "missing `{line}` in:\n{text}");
}
on_every_backend!(unknown_paths_are_logged_and_answered_like_any_other);

/// Metrics tell about every user of the provider, so the public listener keeps them to itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_only_on_their_listener_or_to_the_bearer_of_their_token() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    assert_eq!(reqwest::get(app.url("/metrics")).await.expect("get").status(), 404, "not on the main listener");
    assert!(app.metrics().await.contains("mana_auth_signing_key_age_seconds"), "on the metrics listener");
    let other = reqwest::get(format!("{}/health", app.metrics_base)).await.expect("get");
    assert_eq!(other.status(), 404, "the metrics listener serves nothing else");

    let token = "metrics-token-of-thirty-two-characters-or-more";
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.metrics.token = Some(Secret::new(token))).await;
    let scrape = |bearer: Option<&str>| {
        let request = reqwest::Client::new().get(app.url("/metrics"));
        let request = match bearer {
            Some(bearer) => request.bearer_auth(bearer),
            None => request,
        };
        async move { request.send().await.expect("get") }
    };
    let served = scrape(Some(token)).await;
    assert_eq!(served.status(), 200, "the token opens the main listener");
    assert!(served.text().await.expect("text").contains("mana_auth_signing_key_age_seconds"));
    assert_eq!(scrape(None).await.status(), 404, "without the token it does not exist");
    assert_eq!(scrape(Some(&token[1..])).await.status(), 404, "nor with a wrong one");
    let basic = reqwest::Client::new().get(app.url("/metrics")).basic_auth(token, None::<&str>).send().await;
    assert_eq!(basic.expect("get").status(), 404, "only as a bearer token");
}

fn request_id(response: &reqwest::Response) -> String {
    response.headers()["x-request-id"].to_str().expect("ascii").to_owned()
}

async fn without_the_database_requests_fail_closed_with_503(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    api.signed_up("down@example.org").await;
    app.db.clone().close().await.expect("close the pool");

    let ready = reqwest::get(app.url("/health/ready")).await.expect("get");
    assert_eq!(ready.status(), 503);
    let body: Value = ready.json().await.expect("json");
    assert_eq!(body["problems"], json!(["database: not reachable"]));
    let (status, body) = api
        .post("/api/v1/auth/login", None, &json!({"email": "down@example.org", "password": crate::common::PASSWORD}))
        .await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (503, Some("unavailable")));
    let token = token_request(&app, ("service", SERVICE_SECRET), &[("grant_type", "client_credentials")]).await;
    assert_eq!(token.status(), 503);
    assert_eq!(
        reqwest::get(app.url("/.well-known/jwks.json")).await.expect("get").status(),
        200,
        "keys come from memory"
    );
}
on_every_backend!(without_the_database_requests_fail_closed_with_503);
