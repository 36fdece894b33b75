//! Every refusal in its surface's shape: `{"error","message"}` JSON under /api/v1, with
//! no Rust type or serde wording in it, and an HTML page with the usual headers elsewhere.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        api::{Api, text},
        browser::Browser,
    },
    on_every_backend,
};

/// Words that only a Rust program's internals would use.
const INTERNALS: [&str; 10] =
    ["u64", "i64", "String", "struct", "Option", "serde", "deserialize", "::", "Json", "target type"];

async fn api_error(response: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(response.status().as_u16(), status);
    assert!(response.headers()["content-type"].to_str().is_ok_and(|t| t.starts_with("application/json")));
    let body: Value = response.json().await.expect("a JSON error");
    assert_eq!(body["error"], code, "{body}");
    let message = body["message"].as_str().unwrap_or_default().to_owned();
    assert!(!message.is_empty(), "{body}");
    assert!(INTERNALS.iter().all(|word| !message.contains(word)), "internals leak: {message}");
    message
}

async fn error_page(response: reqwest::Response, status: u16) -> String {
    assert_eq!(response.status().as_u16(), status);
    let headers = response.headers();
    assert!(headers["content-type"].to_str().is_ok_and(|t| t.starts_with("text/html")));
    assert!(headers["content-security-policy"].to_str().is_ok_and(|p| p.contains("frame-ancestors 'none'")));
    assert_eq!(headers["x-frame-options"], "DENY");
    let html = response.text().await.expect("page");
    assert!(html.contains("<html"), "{html}");
    html
}

async fn api_errors_are_json_for_routes_bodies_and_queries(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let http = reqwest::Client::new();
    let send = |method: Method, path: &str| http.request(method, app.url(path));

    api_error(send(Method::GET, "/api/v1/no/such/route").send().await.expect("get"), 404, "not_found").await;
    api_error(send(Method::GET, "/api/v1").send().await.expect("get"), 404, "not_found").await;
    let wrong_method = send(Method::GET, "/api/v1/auth/login").send().await.expect("get");
    api_error(wrong_method, 405, "method_not_allowed").await;

    let register = |body: String, content_type: &'static str| {
        send(Method::POST, "/api/v1/auth/register").header("content-type", content_type).body(body).send()
    };
    let message =
        api_error(register("{\"email\": ".into(), "application/json").await.expect("post"), 400, "invalid_request")
            .await;
    assert!(message.contains("not valid JSON"), "{message}");
    let wrong_type = json!({"email": 7, "password": PASSWORD}).to_string();
    let message =
        api_error(register(wrong_type, "application/json").await.expect("post"), 400, "invalid_request").await;
    assert!(message.contains("`email`"), "{message}");
    let missing = json!({"email": "x@example.org"}).to_string();
    let message = api_error(register(missing, "application/json").await.expect("post"), 400, "invalid_request").await;
    assert!(message.contains("`password` is missing"), "{message}");
    let plain = json!({"email": "x@example.org", "password": PASSWORD}).to_string();
    api_error(register(plain, "text/plain").await.expect("post"), 415, "unsupported_media_type").await;
    let big = json!({"email": "x@example.org", "password": PASSWORD, "name": "n".repeat(100_000)}).to_string();
    api_error(register(big, "application/json").await.expect("post"), 413, "payload_too_large").await;

    let access = text(&Api::new(&app.base).signed_up("shapes@example.org").await, "accessToken");
    for path in [
        "/api/v1/auth/security-events?limit=abc",
        "/api/v1/credits/transactions?limit=-1",
        "/api/v1/credits/transactions?offset=x",
    ] {
        let response = send(Method::GET, path).bearer_auth(&access).send().await.expect("get");
        let message = api_error(response, 400, "invalid_request").await;
        assert!(message.contains("has the wrong type or value"), "{path}: {message}");
    }
    let twice = send(Method::GET, "/api/v1/auth/security-events?limit=1&limit=2").bearer_auth(&access).send().await;
    api_error(twice.expect("get"), 400, "invalid_request").await;
    let (status, _) = Api::new(&app.base).get("/api/v1/auth/security-events?limit=5", &access).await;
    assert_eq!(status, StatusCode::OK, "a good query still works");
}
on_every_backend!(api_errors_are_json_for_routes_bodies_and_queries);

async fn page_errors_are_pages_with_their_security_headers(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = Browser::new(&app.base);
    let html = error_page(browser.post_form("/login", &[("email", "someone@example.org")]).await, 400).await;
    assert!(html.contains("is missing"), "{html}");
    error_page(browser.post_form("/signup", &[("password", PASSWORD)]).await, 400).await;
    error_page(browser.post_form("/consent", &[]).await, 400).await;
    error_page(browser.post_form("/logout/confirm", &[("state", "x")]).await, 400).await;
    error_page(browser.post_form("/password/reset", &[("password", PASSWORD)]).await, 400).await;
    let json_login = browser.http.post(app.url("/login")).json(&json!({"email": "a@example.org"})).send().await;
    error_page(json_login.expect("post"), 415).await;
    error_page(browser.get("/authorize?client_id=rp&client_id=spa").await, 400).await;
    error_page(browser.get("/no/such/page").await, 404).await;
    error_page(browser.http.delete(app.url("/login")).send().await.expect("delete"), 405).await;
}
on_every_backend!(page_errors_are_pages_with_their_security_headers);
