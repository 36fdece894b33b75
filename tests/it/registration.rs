//! Dynamic Client Registration (RFC 7591) and its management (RFC 7592), driven by
//! hand as a client library would: a registered client signs a user in through the
//! `openidconnect` relying party, reads, replaces and deletes itself with its
//! registration access token; bad metadata is refused and stores nothing.

use entity::clients;
use mana_auth::config::{Config, RegistrationMode};
use openidconnect::TokenResponse;
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, RP_REDIRECT, TestApp,
        browser::{Browser, query_param},
        rp::RelyingParty,
    },
    on_every_backend,
};

fn open(config: &mut Config) {
    config.registration.mode = RegistrationMode::Open;
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    bearer: Option<&str>,
    body: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = reqwest::Client::new().request(method, app.url(path));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn register(app: &TestApp, bearer: Option<&str>, metadata: &Value) -> (StatusCode, Value) {
    call(app, Method::POST, "/register", bearer, Some(metadata)).await
}

async fn registered(app: &TestApp) -> u64 {
    clients::Entity::find().filter(clients::Column::Source.eq("registered")).count(&app.db).await.expect("count")
}

fn web_app() -> Value {
    json!({
        "client_name": "Registered Notes",
        "redirect_uris": [RP_REDIRECT],
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "token_endpoint_auth_method": "client_secret_basic",
        "some_extension": "ignored",
    })
}

async fn a_registered_client_signs_in_and_manages_itself(backend: Backend) {
    let app = TestApp::spawn_with(backend, open).await;
    app.user("reg@example.org").await;
    let discovery: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(discovery["registration_endpoint"], app.url("/register"));

    let (status, client) = register(&app, None, &web_app()).await;
    assert_eq!(status, 201, "{client}");
    let id = client["client_id"].as_str().expect("client_id").to_owned();
    let secret = client["client_secret"].as_str().expect("client_secret").to_owned();
    let management = client["registration_access_token"].as_str().expect("registration token").to_owned();
    assert_eq!(client["client_secret_expires_at"], 0);
    assert_eq!(client["registration_client_uri"], app.url(&format!("/register/{id}")));
    assert_eq!(client["token_endpoint_auth_method"], "client_secret_basic");
    assert!(client.get("some_extension").is_none());

    // It works as a client: a sign-in, with consent asked, since nobody vouched for it.
    let rp = RelyingParty::discover(&app.base, &id, Some(&secret)).await;
    let request = rp.authorize(&["openid", "email"]);
    let browser = Browser::new(&app.base);
    let (page, _) = browser.follow(browser.get(&request.url).await).await;
    let page = page.text().await.expect("sign-in");
    let (consent, _) = browser.follow(browser.submit_sign_in(&page, "reg@example.org", PASSWORD).await).await;
    let consent = consent.text().await.expect("consent");
    assert!(consent.contains("Registered Notes"), "the consent page names it");
    let form = [
        ("csrf", crate::common::browser::hidden_field(&consent, "csrf")),
        ("req", crate::common::browser::hidden_field(&consent, "req")),
        ("decision", "allow".into()),
    ];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, callback) = browser.follow(browser.post_form("/consent", &form).await).await;
    let code = query_param(&callback.expect("back to the client"), "code").expect("code");
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    assert!(tokens.id_token().is_some());

    // Read, with its registration access token only.
    let path = format!("/register/{id}");
    let (status, read) = call(&app, Method::GET, &path, Some(&management), None).await;
    assert_eq!(status, 200, "{read}");
    assert_eq!(read["client_name"], "Registered Notes");
    assert!(read.get("client_secret").is_none(), "only its digest is kept");
    for wrong in [None, Some("wrong-token"), Some(secret.as_str())] {
        let (status, body) = call(&app, Method::GET, &path, wrong, None).await;
        assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("invalid_token")));
    }
    let (status, _) = call(&app, Method::GET, "/register/rp", Some(&management), None).await;
    assert_eq!(status, 401, "a declared client is not managed here");

    // Replace: the new metadata counts at once; the secret stays.
    let mut replaced = web_app();
    replaced["client_id"] = json!(id);
    replaced["client_name"] = json!("Renamed Notes");
    replaced["redirect_uris"] = json!([RP_REDIRECT, "http://127.0.0.1:8080/cb"]);
    let (status, body) = call(&app, Method::PUT, &path, Some(&management), Some(&replaced)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["client_name"], "Renamed Notes");
    assert_eq!(body["redirect_uris"].as_array().map(Vec::len), Some(2));
    let mut public = replaced.clone();
    public["token_endpoint_auth_method"] = json!("none");
    let (status, body) = call(&app, Method::PUT, &path, Some(&management), Some(&public)).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_client_metadata")));
    let credentials = [("grant_type", "client_credentials")];
    let probe = reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).form(&credentials);
    let answer: Value = probe.send().await.expect("token").json().await.expect("json");
    assert_eq!(answer["error"], "unauthorized_client", "the secret still authenticates");

    // Delete: gone for the token endpoint at once.
    let (status, _) = call(&app, Method::DELETE, &path, Some(&management), None).await;
    assert_eq!(status, 204);
    let (status, _) = call(&app, Method::GET, &path, Some(&management), None).await;
    assert_eq!(status, 401);
    let probe = reqwest::Client::new().post(app.url("/token")).basic_auth(&id, Some(&secret)).form(&credentials);
    let answer: Value = probe.send().await.expect("token").json().await.expect("json");
    assert_eq!(answer["error"], "invalid_client");
    assert_eq!(registered(&app).await, 0);
}
on_every_backend!(a_registered_client_signs_in_and_manages_itself);

async fn bad_metadata_is_refused_and_stores_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        open(c);
        c.security.rate_limit.register_per_ip = 0;
    })
    .await;
    let with = |key: &str, value: Value| {
        let mut metadata = web_app();
        metadata[key] = value;
        metadata
    };
    let cases = [
        (with("redirect_uris", json!(["javascript:alert(1)"])), "invalid_redirect_uri"),
        (with("redirect_uris", json!(["https://app.example.org/cb#frag"])), "invalid_redirect_uri"),
        (with("redirect_uris", json!(["http://app.example.org/cb"])), "invalid_redirect_uri"),
        (with("redirect_uris", json!([])), "invalid_client_metadata"),
        (with("token_endpoint_auth_method", json!("private_key_jwt")), "invalid_client_metadata"),
        (with("grant_types", json!(["implicit"])), "invalid_client_metadata"),
        (with("response_types", json!(["token"])), "invalid_client_metadata"),
        (with("id_token_signed_response_alg", json!("HS256")), "invalid_client_metadata"),
        (with("post_logout_redirect_uris", json!(["ftp://app.example.org/bye"])), "invalid_client_metadata"),
        (with("client_name", json!("line\nbreak")), "invalid_client_metadata"),
        (with("redirect_uris", json!("https://not-a-list.example/")), "invalid_client_metadata"),
    ];
    for (metadata, error) in cases {
        let (status, body) = register(&app, None, &metadata).await;
        assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some(error)), "{metadata}");
    }
    let public_service = json!({"token_endpoint_auth_method": "none", "grant_types": ["client_credentials"]});
    let (status, body) = register(&app, None, &public_service).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_client_metadata")), "{body}");
    assert_eq!(registered(&app).await, 0);

    // A native app on the loopback interface, and a device with no redirect at all.
    let native = json!({"redirect_uris": ["http://127.0.0.1:53682/cb"], "token_endpoint_auth_method": "none"});
    let (status, body) = register(&app, None, &native).await;
    assert_eq!(status, 201, "{body}");
    assert!(body.get("client_secret").is_none());
    let tv =
        json!({"token_endpoint_auth_method": "none", "grant_types": ["urn:ietf:params:oauth:grant-type:device_code"]});
    assert_eq!(register(&app, None, &tv).await.0, 201);
}
on_every_backend!(bad_metadata_is_refused_and_stores_nothing);

async fn registration_is_off_by_default_and_can_need_a_token(backend: Backend) {
    let off = TestApp::spawn(backend.clone()).await;
    assert_eq!(register(&off, None, &web_app()).await.0, 404);
    let discovery: Value =
        reqwest::get(off.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert!(discovery.get("registration_endpoint").is_none());

    let app = TestApp::spawn_with(backend, |c| {
        c.registration.mode = RegistrationMode::Token;
        c.security.rate_limit.register_per_ip = 3;
    })
    .await;
    let (status, body) = register(&app, None, &web_app()).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("invalid_token")));
    let token = mana_auth::admin::clients::initial_access_token(&app.db).await.expect("token");
    assert_eq!(register(&app, Some(&token), &web_app()).await.0, 201);
    let (status, _) = register(&app, Some(&token), &web_app()).await;
    assert_eq!(status, 401, "an initial access token registers one client");
    assert_eq!(registered(&app).await, 1);
    let (status, _) = register(&app, None, &web_app()).await;
    assert_eq!(status, 429, "registrations are limited per address");
}
on_every_backend!(registration_is_off_by_default_and_can_need_a_token);
