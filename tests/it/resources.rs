//! Resource indicators (RFC 8707): a `resource` named at `/authorize` or `/token` becomes
//! the access token's audience, and the token carries only the scopes that resource
//! accepts; such a token is for that resource server, not for this provider's own
//! endpoints. Undeclared resources, and those a client's list leaves out, are refused
//! with `invalid_target`.

use mana_auth::config::{Config, ResourceConfig};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    common::{
        Backend, PASSWORD, RP_REDIRECT, RP_SECRET, SERVICE_SECRET, TestApp,
        browser::{Browser, location, query_param},
        claims_of, introspect_as,
        rp::{RelyingParty, Request},
        token_request,
    },
    on_every_backend,
};

const NOTES: &str = "https://api.example.org/notes";
const LEDGER: &str = "https://ledger.example.org/";

/// Two resource servers; the `rsa` client may use neither.
fn with_resources(config: &mut Config) {
    config.resources = vec![
        ResourceConfig { identifier: NOTES.into(), scopes: vec!["credits".into(), "account".into()] },
        ResourceConfig { identifier: LEDGER.into(), scopes: vec!["credits".into()] },
    ];
    config.clients.iter_mut().filter(|c| c.id == "rsa").for_each(|c| c.resources = Some(vec![]));
}

fn with_resource(url: &str, resource: &str) -> String {
    format!("{url}&resource={}", url::form_urlencoded::byte_serialize(resource.as_bytes()).collect::<String>())
}

/// Signs in through `rp` asking for `resource`; returns the request and the code.
async fn code_for(app: &TestApp, rp: &RelyingParty, email: &str, resource: &str) -> (Request, String) {
    let request = rp.authorize(&["openid", "email", "credits"]);
    let browser = Browser::new(&app.base);
    let callback = browser.authorize_and_sign_in(&with_resource(&request.url, resource), email, PASSWORD).await;
    let code = query_param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    (request, code)
}

async fn exchange(app: &TestApp, request: &Request, code: &str, resource: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", RP_REDIRECT),
        ("code_verifier", request.verifier.secret().as_str()),
    ];
    form.extend(resource.map(|r| ("resource", r)));
    let response = token_request(app, ("rp", RP_SECRET), &form).await;
    (response.status(), response.json().await.expect("json"))
}

async fn refresh(app: &TestApp, token: &str, resource: Option<&str>) -> (StatusCode, Value) {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", token)];
    form.extend(resource.map(|r| ("resource", r)));
    let response = token_request(app, ("rp", RP_SECRET), &form).await;
    (response.status(), response.json().await.expect("json"))
}

async fn a_token_for_a_resource_names_it_and_carries_only_its_scopes(backend: Backend) {
    let app = TestApp::spawn_with(backend, with_resources).await;
    app.user("notes@example.org").await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let (request, code) = code_for(&app, &rp, "notes@example.org", NOTES).await;
    let (status, tokens) = exchange(&app, &request, &code, None).await;
    assert_eq!(status, 200, "{tokens}");
    let access = tokens["access_token"].as_str().expect("access token").to_owned();
    let claims = claims_of(&access);
    assert_eq!(claims["aud"], NOTES);
    assert_eq!(claims["scope"], "credits", "only what the resource accepts");
    assert_eq!(tokens["scope"], "credits");
    assert!(tokens["id_token"].is_string(), "the sign-in itself is unchanged");

    // For the notes server, not for this provider's own endpoints.
    let http = reqwest::Client::new();
    let userinfo = http.get(app.url("/userinfo")).bearer_auth(&access).send().await.expect("userinfo");
    assert_eq!(userinfo.status(), 401);
    let balance = http.get(app.url("/api/v1/credits/balance")).bearer_auth(&access).send().await.expect("balance");
    assert_eq!(balance.status(), 401);
    let described = introspect_as(&app, ("service", SERVICE_SECRET), &access).await;
    assert_eq!((described["active"].as_bool(), described["aud"].as_str()), (Some(true), Some(NOTES)));

    // A refresh names the resource it wants, or none for this provider's own endpoints.
    let refresh_token = tokens["refresh_token"].as_str().expect("refresh token").to_owned();
    let (status, for_ledger) = refresh(&app, &refresh_token, Some(LEDGER)).await;
    assert_eq!(status, 200, "{for_ledger}");
    assert_eq!(claims_of(for_ledger["access_token"].as_str().expect("token"))["aud"], LEDGER);
    let (status, own) = refresh(&app, for_ledger["refresh_token"].as_str().expect("rt"), None).await;
    assert_eq!(status, 200, "{own}");
    let own_claims = claims_of(own["access_token"].as_str().expect("token"));
    assert_eq!(own_claims["aud"], app.base.as_str());
    assert_eq!(own_claims["scope"], "openid email credits", "the whole grant again");
    let (status, undeclared) =
        refresh(&app, own["refresh_token"].as_str().expect("rt"), Some("https://evil.example/")).await;
    assert_eq!((status.as_u16(), undeclared["error"].as_str()), (400, Some("invalid_target")));

    // A code issued for one resource is not exchanged for another.
    let (request, code) = code_for(&app, &rp, "notes@example.org", NOTES).await;
    let (status, body) = exchange(&app, &request, &code, Some(LEDGER)).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_target")));
}
on_every_backend!(a_token_for_a_resource_names_it_and_carries_only_its_scopes);

async fn undeclared_and_forbidden_resources_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, with_resources).await;
    app.user("target@example.org").await;
    let browser = Browser::new(&app.base);
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let rsa = RelyingParty::discover(&app.base, "rsa", Some(RP_SECRET)).await;
    for (client, resource) in [(&rp, "https://evil.example/"), (&rp, "https://api.example.org/notes#x"), (&rsa, NOTES)]
    {
        let url = with_resource(&client.authorize(&["openid"]).url, resource);
        let to = location(&browser.get(&url).await);
        assert!(to.starts_with(RP_REDIRECT), "{to}");
        assert_eq!(query_param(&to, "error").as_deref(), Some("invalid_target"), "{resource}");
    }

    // A code asked for no resource, exchanged for an undeclared one.
    let request = rp.authorize(&["openid"]);
    let callback = browser.authorize_and_sign_in(&request.url, "target@example.org", PASSWORD).await;
    let code = query_param(&callback, "code").expect("code");
    let (status, body) = exchange(&app, &request, &code, Some("https://evil.example/")).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_target")));

    // A resource server's own token, for another resource server.
    let service = ("service", SERVICE_SECRET);
    let response = token_request(
        &app,
        service,
        &[("grant_type", "client_credentials"), ("scope", "account"), ("resource", NOTES)],
    )
    .await;
    assert_eq!(response.status(), 200);
    let token: Value = response.json().await.expect("json");
    let claims = claims_of(token["access_token"].as_str().expect("token"));
    assert_eq!((claims["aud"].as_str(), claims["scope"].as_str()), (Some(NOTES), Some("account")));
    let response =
        token_request(&app, service, &[("grant_type", "client_credentials"), ("resource", "urn:unknown")]).await;
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_target");

    // Pushed requests are checked the same way.
    let mut form: Vec<(String, String)> =
        url::Url::parse(&rp.authorize(&["openid"]).url).expect("url").query_pairs().into_owned().collect();
    form.push(("resource".into(), "https://evil.example/".into()));
    let pushed = reqwest::Client::new()
        .post(app.url("/par"))
        .basic_auth("rp", Some(RP_SECRET))
        .form(&form)
        .send()
        .await
        .expect("par");
    assert_eq!(pushed.status(), 400);
    assert_eq!(pushed.json::<Value>().await.expect("json")["error"], "invalid_target");
}
on_every_backend!(undeclared_and_forbidden_resources_are_refused);
