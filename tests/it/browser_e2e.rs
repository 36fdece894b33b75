//! The hosted pages in a real headless Chromium driven over WebDriver: sign-up,
//! sign-out, sign-in, consent and the code back at the client, with a screenshot of
//! each page under `target/screenshots/`. Runs when the suite is built with `MANA_AUTH_TEST_BROWSER=1`.

use std::{
    process::{Child, Command, Stdio},
    sync::Arc,
    time::Duration,
};

use axum::{Router, extract::RawQuery, routing::get};
use fantoccini::{Client, ClientBuilder, Locator};
use mana_auth::config::{ClientConfig, Secret};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, RedirectUrl, Scope,
    TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata},
};
use tokio::{net::TcpListener, sync::Mutex};

use crate::{
    common::{Backend, TestApp, browser::query_param},
    on_every_backend,
};

const SECRET: &str = "browser-rp-secret-0123456789";

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_driver() -> (Driver, u16) {
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

async fn open_browser(port: u16, profile: &std::path::Path) -> Client {
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

/// A relying party's callback: records every query it receives.
async fn spawn_callback() -> (String, Arc<Mutex<Vec<String>>>) {
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

async fn screenshot(browser: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    let png = browser.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
}

async fn fill(browser: &Client, name: &str, value: &str) {
    browser.find(Locator::Css(&format!("input[name={name}]"))).await.expect(name).send_keys(value).await.expect("type");
}

async fn click(browser: &Client, css: &str) {
    browser.find(Locator::Css(css)).await.expect(css).click().await.expect("click");
}

/// Waits until the page says `text`.
async fn wait_for_text(browser: &Client, text: &str) {
    for _ in 0..100 {
        if browser.source().await.map(|s| s.contains(text)).unwrap_or(false) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the page never said {text:?}: {}", browser.source().await.unwrap_or_default());
}

async fn hosted_pages_work_in_a_real_browser(backend: Backend) {
    let (callback, received) = spawn_callback().await;
    let redirect = callback.clone();
    let app = TestApp::spawn_with(backend, move |config| {
        config.clients.push(ClientConfig {
            id: "browser-rp".into(),
            secret: Some(Secret::new(SECRET)),
            redirect_uris: vec![redirect],
            post_logout_redirect_uris: vec![],
            name: Some("Notes".into()),
            skip_consent: false,
            grant_types: vec!["authorization_code".into(), "refresh_token".into()],
            backchannel_logout_uri: None,
            id_token_signed_response_alg: None,
            introspection: false,
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
            resources: None,
        });
    })
    .await;
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("mana-auth-chromium-{}", mana_auth::security::opaque::random_token(6)));
    let browser = open_browser(port, &profile).await;

    // Sign up: the account is created and its address confirmed by the mailed link.
    browser.goto(&app.url("/signup")).await.expect("signup page");
    fill(&browser, "name", "Ada Lovelace").await;
    fill(&browser, "username", "ada").await;
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", "analytical engine 1843").await;
    screenshot(&browser, "1-sign-up").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "Check your inbox").await;
    screenshot(&browser, "1b-check-inbox").await;
    let token = app.mailed_token("ada@example.org", "/email/verify").await;
    browser.goto(&app.url(&format!("/email/verify?token={token}"))).await.expect("verify link");
    wait_for_text(&browser, "Email confirmed").await;
    browser.goto(&app.url("/login")).await.expect("sign-in page");
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", "analytical engine 1843").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "You are signed in as").await;

    // Sign out through the confirmation page.
    click(&browser, "a.button").await;
    wait_for_text(&browser, "Sign out?").await;
    screenshot(&browser, "2-sign-out").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "You are signed out").await;
    screenshot(&browser, "3-signed-out").await;

    // A relying party sends the browser to sign in, then to consent, then gets a code.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).expect("issuer"), &http)
        .await
        .expect("discovery");
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("browser-rp".into()),
        Some(ClientSecret::new(SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(callback.clone()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = rp
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    browser.goto(auth_url.as_str()).await.expect("authorize");
    wait_for_text(&browser, "Sign in").await;
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", "analytical engine 1843").await;
    screenshot(&browser, "4-sign-in").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "Allow Notes?").await;
    screenshot(&browser, "5-consent").await;
    click(&browser, "button[value=allow]").await;
    wait_for_text(&browser, "signed in at the client").await;

    let query = received.lock().await.first().cloned().expect("the client received the redirect");
    let url = format!("{callback}?{query}");
    assert_eq!(query_param(&url, "state").as_deref(), Some(state.secret().as_str()));
    let code = query_param(&url, "code").expect("code");
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("tokens");
    let verifier = rp.id_token_verifier().set_allowed_algs(vec![CoreJwsSigningAlgorithm::EdDsa]);
    let claims = tokens.id_token().expect("id_token").claims(&verifier, &nonce).expect("valid id_token");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@example.org"));

    browser.close().await.expect("close");
    let _ = std::fs::remove_dir_all(profile);
}
on_every_backend!(hosted_pages_work_in_a_real_browser, needs test_browser);
