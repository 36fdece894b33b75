//! Control characters at the edge: refused with 400 in each surface's error format
//! before anything is looked up or written, on both database engines.

use mana_auth::{admin::backups, config::Secret, ops::backup::BackupError, store::users};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, RP_SECRET, TestApp,
        api::{Api, text},
        browser::{Browser, hidden_field},
        token_request,
    },
    on_every_backend,
};

fn assert_api_refusal(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains(field) && m.contains("control")), "{body}");
}

async fn assert_page_refusal(response: reqwest::Response) {
    assert_eq!(response.status(), 400);
    assert!(response.headers().contains_key("content-security-policy"));
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let html = response.text().await.expect("page");
    assert!(html.contains("control character"), "{html}");
}

async fn api_refuses_control_characters_in_bodies_paths_and_queries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    for email in ["nul\0@example.org", "nul@example.org\0", "tab\t@example.org"] {
        let (status, body) =
            api.post("/api/v1/auth/register", None, &json!({"email": email, "password": PASSWORD})).await;
        assert_api_refusal(status, &body, "`email`");
    }
    let (status, body) = api
        .post("/api/v1/auth/register", None, &json!({"email": "ok@example.org", "password": "pass\0word-long"}))
        .await;
    assert_api_refusal(status, &body, "`password`");
    let (status, body) =
        api.post("/api/v1/auth/login", None, &json!({"email": "nul\0@example.org", "password": PASSWORD})).await;
    assert_api_refusal(status, &body, "`email`");

    let tokens = api.signed_up("edge@example.org").await;
    let access = text(&tokens, "accessToken");
    let login = json!({"email": "edge@example.org", "password": PASSWORD, "deviceId": "d1", "deviceName": "pho\0ne"});
    let (status, body) = api.post("/api/v1/auth/login", None, &login).await;
    assert_api_refusal(status, &body, "`deviceName`");

    for (field, value) in
        [("description", "a\0b"), ("appId", "ch\0at"), ("idempotencyKey", "key\u{85}"), ("description", "two\nlines")]
    {
        let mut spend = json!({"amount": 1, "appId": "chat", "description": "a message"});
        spend[field] = json!(value);
        let (status, body) = api.post("/api/v1/credits/use", Some(&access), &spend).await;
        assert_api_refusal(status, &body, &format!("`{field}`"));
    }
    let (status, body) = api.get("/api/v1/credits/balance", &access).await;
    assert_eq!((status, &body["totalSpent"]), (StatusCode::OK, &json!(0)), "nothing was spent: {body}");
    // Free text inside metadata may span lines; nothing else may.
    let multi_line =
        json!({"amount": 1, "appId": "chat", "description": "x", "metadata": {"prompt": "one\ntwo\tthree"}});
    let (status, body) = api.post("/api/v1/credits/use", Some(&access), &multi_line).await;
    assert_eq!(status, 200, "{body}");

    let (status, body) = api.call(Method::DELETE, "/api/v1/auth/sessions/ab%00cd", Some(&access), None).await;
    assert_api_refusal(status, &body, "`id`");
    let (status, body) = api.get("/api/v1/auth/security-events?before=x%00y", &access).await;
    assert_api_refusal(status, &body, "`before`");
    let (status, body) = api.get("/api/v1/organizations/o%01rg/members", &access).await;
    assert_api_refusal(status, &body, "`id`");

    // None of the refused registrations created an account.
    let (status, _) =
        api.post("/api/v1/auth/login", None, &json!({"email": "ok@example.org", "password": PASSWORD})).await;
    assert_eq!(status, 401);
}
on_every_backend!(api_refuses_control_characters_in_bodies_paths_and_queries);

async fn token_endpoint_refuses_control_characters_as_invalid_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let http = reqwest::Client::new();
    let form = [("grant_type", "client_credentials"), ("client_id", "serv\0ice"), ("client_secret", "x")];
    let response = http.post(app.url("/token")).form(&form).send().await.expect("token");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(body["error_description"].as_str().is_some_and(|d| d.contains("`client_id`")), "{body}");

    let response =
        token_request(&app, ("r\0p", RP_SECRET), &[("grant_type", "refresh_token"), ("refresh_token", "x")]).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request", "{body}");

    let response =
        token_request(&app, ("rp", RP_SECRET), &[("grant_type", "authorization_code"), ("code", "c\u{1b}")]).await;
    assert_eq!(response.status(), 400);
    assert_eq!(response.json::<Value>().await.expect("json")["error"], "invalid_request");
}
on_every_backend!(token_endpoint_refuses_control_characters_as_invalid_request);

async fn pages_refuse_control_characters_with_an_error_page(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("page@example.org").await;
    let browser = Browser::new(&app.base);
    let authorize = browser.get("/authorize?response_type=code&client_id=r%00p&redirect_uri=x&scope=openid").await;
    assert_page_refusal(authorize).await;
    let authorize =
        browser.get("/authorize?response_type=code&client_id=rp&redirect_uri=x&scope=openid&state=a%07").await;
    assert_page_refusal(authorize).await;

    let page = browser.get("/login").await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let response =
        browser.post_form("/login", &[("email", "page@example.org\0"), ("password", PASSWORD), ("csrf", &csrf)]).await;
    assert_page_refusal(response).await;
    let page = browser.get("/signup").await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let form = [("email", "new\0@example.org"), ("password", PASSWORD), ("name", "New"), ("csrf", &csrf)];
    assert_page_refusal(browser.post_form("/signup", &form).await).await;
    assert!(users::find_by_email(&app.db, "new@example.org").await.expect("lookup").is_none());
}
on_every_backend!(pages_refuse_control_characters_with_an_error_page);

/// A NUL stored before the edge refused it (SQLite takes it): the backup verifies no more,
/// since PostgreSQL could not be restored from it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_verify_fails_a_backup_postgres_could_not_take() {
    let key = |c: &mut mana_auth::config::Config| c.backup.key = Some(Secret::new("backup passphrase for tests"));
    let app = TestApp::spawn_with(Backend::Sqlite, key).await;
    let user = app.user("old@example.org").await;
    users::set_profile(&app.db, &user.id, Some("Old\0Name".into()), None).await.expect("stored by SQLite");
    let dir = std::env::temp_dir().join(format!("mana-auth-nul-{}", mana_auth::security::opaque::random_token(6)));
    let file = backups::create(&app.db, &app.state.config, Some(&dir), false).await.expect("backup").path;

    let refused = backups::verify(&file, &app.state.config).await.err();
    assert!(
        matches!(&refused, Some(BackupError::NotPortable { table, column }) if table == "users" && column == "name"),
        "{refused:?}"
    );
    if cfg!(test_postgres) {
        let other = TestApp::spawn_with(Backend::postgres(), key).await;
        assert!(backups::restore(&other.db, &other.state.config, &file, true).await.is_err());
    }
    let _ = std::fs::remove_dir_all(dir);
}
