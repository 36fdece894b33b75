//! Headless Chromium driven over WebDriver for the end-to-end tests of the hosted
//! pages: the driver, a browser with a fresh profile, a relying party's callback,
//! screenshots under `target/screenshots/`, and the few actions the tests take.

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use axum::{Router, extract::RawQuery, routing::get};
use fantoccini::{Client, ClientBuilder, Locator};
use mana_auth::config::{ClientConfig, Secret};
use tokio::{net::TcpListener, sync::Mutex};

pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn start_driver() -> (Driver, u16) {
    let port = TcpListener::bind("127.0.0.1:0").await.expect("free port").local_addr().expect("addr").port();
    // Wrapped at once, so the driver is killed and reaped however the test ends.
    let driver = Driver(
        Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (Debian's chromium-driver)"),
    );
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return (driver, port);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not start");
}

pub async fn open_browser(port: u16, profile: &std::path::Path) -> Client {
    let args = [
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=480,900",
        &format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "args": args, "binary": "/usr/bin/chromium" }));
    ClientBuilder::native()
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("webdriver session")
}

/// The relying party "Notes", confidential, redirecting to `redirect`.
pub fn browser_client(redirect: String, secret: &str, skip_consent: bool) -> ClientConfig {
    ClientConfig {
        id: "browser-rp".into(),
        secret: Some(Secret::new(secret)),
        redirect_uris: vec![redirect],
        post_logout_redirect_uris: vec![],
        name: Some("Notes".into()),
        skip_consent,
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        backchannel_logout_uri: None,
        id_token_signed_response_alg: None,
        introspection: false,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        resources: None,
    }
}

/// A relying party's callback: records every query it receives.
pub async fn spawn_callback() -> (String, Arc<Mutex<Vec<String>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let app = Router::new().route(
        "/callback",
        get(move |RawQuery(query): RawQuery| {
            let sink = sink.clone();
            async move {
                sink.lock().await.push(query.unwrap_or_default());
                "signed in at the client"
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/callback"), seen)
}

pub async fn screenshot(browser: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

pub async fn fill(browser: &Client, name: &str, value: &str) {
    browser.find(Locator::Css(&format!("input[name={name}]"))).await.expect(name).send_keys(value).await.expect("type");
}

pub async fn click(browser: &Client, css: &str) {
    browser.find(Locator::Css(css)).await.expect(css).click().await.expect("click");
}

/// Waits until the page says `text`.
pub async fn wait_for_text(browser: &Client, text: &str) {
    for _ in 0..100 {
        if browser.source().await.map(|s| s.contains(text)).unwrap_or(false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never said {text:?}: {}", browser.source().await.unwrap_or_default());
}

/// The W3C WebAuthn WebDriver extension's "Add Virtual Authenticator": a platform
/// authenticator that holds discoverable credentials and verifies its user.
#[derive(Debug)]
struct AddVirtualAuthenticator;

impl fantoccini::wd::WebDriverCompatibleCommand for AddVirtualAuthenticator {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/webauthn/authenticator", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = serde_json::json!({
            "protocol": "ctap2",
            "transport": "internal",
            "hasResidentKey": true,
            "hasUserVerification": true,
            "isUserConsenting": true,
            "isUserVerified": true,
        });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// Gives the browser a virtual passkey authenticator.
pub async fn add_virtual_authenticator(browser: &Client) {
    browser.issue_cmd(AddVirtualAuthenticator).await.expect("virtual authenticator");
}
