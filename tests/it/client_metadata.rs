//! Client ID Metadata Documents: a client whose `client_id` is the URL of its JSON
//! document signs a user in with the `openidconnect` relying party, its document read
//! once while fresh; documents that lie, hold a secret, are too large or too slow, or
//! live on an address documents are not fetched from are refused.

use std::{
    net::SocketAddr,
    sync::{
        Arc,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use axum::{
    Json, Router,
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
    routing::get,
};
use mana_auth::config::Config;
use openidconnect::TokenResponse;
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, RP_REDIRECT, TestApp,
        browser::{Browser, hidden_field, query_param},
        rp::RelyingParty,
    },
    on_every_backend,
};

#[derive(Clone)]
struct Documents {
    base: String,
    fetched: Arc<AtomicUsize>,
}

async fn document(State(docs): State<Documents>, Path(name): Path<String>) -> Response {
    docs.fetched.fetch_add(1, Ordering::SeqCst);
    let url = format!("{}/{name}", docs.base);
    let described = json!({
        "client_id": url,
        "client_name": "Pocket Assistant",
        "redirect_uris": [RP_REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "token_endpoint_auth_method": "none",
    });
    let body = match name.as_str() {
        "client.json" => described,
        "liar.json" => json!({"client_id": "https://elsewhere.example/client.json", "redirect_uris": [RP_REDIRECT]}),
        "secret.json" => json!({"client_id": url, "redirect_uris": [RP_REDIRECT], "client_secret": "s"}),
        "basic.json" => {
            json!({"client_id": url, "redirect_uris": [RP_REDIRECT], "token_endpoint_auth_method": "client_secret_basic"})
        }
        "big.json" => json!({"client_id": url, "redirect_uris": [RP_REDIRECT], "padding": "x".repeat(6 * 1024)}),
        "slow.json" => {
            tokio::time::sleep(Duration::from_secs(7)).await;
            described
        }
        _ => return axum::http::StatusCode::NOT_FOUND.into_response(),
    };
    ([(header::CACHE_CONTROL, "public, max-age=600")], Json(body)).into_response()
}

async fn spawn_documents() -> Documents {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    let docs = Documents { base: format!("http://{addr}"), fetched: Arc::default() };
    let app = Router::new().route("/{name}", get(document)).with_state(docs.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.expect("documents") });
    docs
}

fn documents_on(allow_loopback: bool) -> impl FnOnce(&mut Config) {
    move |config: &mut Config| {
        config.registration.client_id_metadata_documents = true;
        config.registration.allow_loopback_metadata = allow_loopback;
    }
}

fn authorize_url(app: &TestApp, client_id: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("response_type", "code"),
            ("client_id", client_id),
            ("redirect_uri", RP_REDIRECT),
            ("scope", "openid"),
            ("code_challenge", "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"),
            ("code_challenge_method", "S256"),
        ])
        .finish();
    app.url(&format!("/authorize?{query}"))
}

async fn a_client_described_by_its_document_signs_a_user_in(backend: Backend) {
    let docs = spawn_documents().await;
    let app = TestApp::spawn_with(backend, documents_on(true)).await;
    app.user("assistant@example.org").await;
    let discovery: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(discovery["client_id_metadata_document_supported"], true);

    let client_id = format!("{}/client.json", docs.base);
    let rp = RelyingParty::discover(&app.base, &client_id, None).await;
    let request = rp.authorize(&["openid"]);
    let browser = Browser::new(&app.base);
    let (page, _) = browser.follow(browser.get(&request.url).await).await;
    let page = page.text().await.expect("sign-in");
    let (consent, _) = browser.follow(browser.submit_sign_in(&page, "assistant@example.org", PASSWORD).await).await;
    let consent = consent.text().await.expect("consent");
    assert!(consent.contains("Pocket Assistant"), "it always asks consent, naming the document's client");
    let form = [
        ("csrf", hidden_field(&consent, "csrf")),
        ("req", hidden_field(&consent, "req")),
        ("decision", "allow".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, callback) = browser.follow(browser.post_form("/consent", &form).await).await;
    let code = query_param(&callback.expect("back to the client"), "code").expect("code");
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens as a public client with PKCE");
    let claims =
        tokens.id_token().expect("id_token").claims(&rp.client.id_token_verifier(), &request.nonce).expect("verifies");
    assert_eq!(claims.audiences()[0].as_str(), client_id);
    assert_eq!(docs.fetched.load(Ordering::SeqCst), 1, "read once while its Cache-Control holds");
}
on_every_backend!(a_client_described_by_its_document_signs_a_user_in);

async fn bad_or_unreachable_documents_are_refused(backend: Backend) {
    let docs = spawn_documents().await;
    let app = TestApp::spawn_with(backend.clone(), documents_on(true)).await;
    let browser = Browser::new(&app.base);
    for name in ["liar.json", "secret.json", "basic.json", "big.json", "slow.json", "missing.json"] {
        let response = browser.get(&authorize_url(&app, &format!("{}/{name}", docs.base))).await;
        assert_eq!(response.status(), 400, "{name}");
        assert!(response.headers().get("location").is_none(), "{name}: never a redirect");
    }
    let fetched = docs.fetched.load(Ordering::SeqCst);
    let token = reqwest::Client::new()
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", "x"),
            ("client_id", &format!("{}/liar.json", docs.base)),
        ])
        .send()
        .await
        .expect("token");
    assert_eq!(token.status(), 401, "an unknown client at the token endpoint");
    assert_eq!(docs.fetched.load(Ordering::SeqCst), fetched, "a refused document is not fetched again at once");

    // Loopback addresses are refused unless allowed; the feature is off by default.
    let fetched_before = docs.fetched.load(Ordering::SeqCst);
    let guarded = TestApp::spawn_with(backend.clone(), documents_on(false)).await;
    let client_id = format!("{}/client.json", docs.base);
    assert_eq!(Browser::new(&guarded.base).get(&authorize_url(&guarded, &client_id)).await.status(), 400);
    let off = TestApp::spawn(backend).await;
    assert_eq!(Browser::new(&off.base).get(&authorize_url(&off, &client_id)).await.status(), 400);
    assert_eq!(
        docs.fetched.load(Ordering::SeqCst),
        fetched_before,
        "neither the guarded nor the switched-off provider fetched"
    );
}
on_every_backend!(bad_or_unreachable_documents_are_refused);
