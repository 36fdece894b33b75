//! Pushed Authorization Requests (RFC 9126): the `openidconnect` relying party's own
//! request, pushed by hand to `/par`, signs in once through the `request_uri`; refused
//! pushes store nothing; a client, or every client, can be made to push.

use entity::pushed_requests;
use openidconnect::TokenResponse;
use reqwest::StatusCode;
use sea_orm::{EntityTrait, PaginatorTrait, sea_query::Expr};
use serde_json::Value;

use crate::{
    common::{
        Backend, PASSWORD, RP_REDIRECT, RP_SECRET, TestApp,
        browser::{Browser, location, query_param},
        rp::RelyingParty,
    },
    on_every_backend,
};

/// The query parameters of an authorization URL.
fn params_of(url: &str) -> Vec<(String, String)> {
    url::Url::parse(url).expect("url").query_pairs().into_owned().collect()
}

/// POSTs `form` to `/par` as `client`, with HTTP Basic when it has a secret.
async fn push(app: &TestApp, client: (&str, Option<&str>), form: &[(String, String)]) -> (StatusCode, Value, String) {
    let mut request = reqwest::Client::new().post(app.url("/par")).form(form);
    if let (id, Some(secret)) = client {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.expect("par");
    let status = response.status();
    let cache = response.headers().get("cache-control").map(|v| v.to_str().unwrap_or_default().to_owned());
    (status, response.json().await.unwrap_or(Value::Null), cache.unwrap_or_default())
}

fn authorize_with(app: &TestApp, client_id: &str, request_uri: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("client_id", client_id), ("request_uri", request_uri)])
        .finish();
    app.url(&format!("/authorize?{query}"))
}

async fn stored(app: &TestApp) -> u64 {
    pushed_requests::Entity::find().count(&app.db).await.expect("count")
}

async fn a_pushed_request_signs_in_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("par@example.org").await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let discovery: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(discovery["pushed_authorization_request_endpoint"], app.url("/par"));
    assert_eq!(discovery["require_pushed_authorization_requests"], false);

    let request = rp.authorize(&["openid"]);
    let (status, pushed, cache) = push(&app, ("rp", Some(RP_SECRET)), &params_of(&request.url)).await;
    assert_eq!(status, 201, "{pushed}");
    assert_eq!(cache, "no-store");
    assert_eq!(pushed["expires_in"], 60);
    let request_uri = pushed["request_uri"].as_str().expect("request_uri").to_owned();
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"), "{request_uri}");

    // The browser carries only the client and the request_uri; a redirect_uri sent beside
    // them is ignored, the pushed one counts.
    let browser = Browser::new(&app.base);
    let url = format!("{}&redirect_uri=https%3A%2F%2Fevil.example%2Fcb", authorize_with(&app, "rp", &request_uri));
    let callback = browser.authorize_and_sign_in(&url, "par@example.org", PASSWORD).await;
    assert!(callback.starts_with(RP_REDIRECT), "{callback}");
    assert_eq!(query_param(&callback, "state").as_deref(), Some(request.state.secret().as_str()));
    let code = query_param(&callback, "code").expect("code");
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let id_token = tokens.id_token().expect("id_token");
    id_token.claims(&rp.client.id_token_verifier(), &request.nonce).expect("the id_token verifies with its nonce");

    // Used once: the same request_uri again, or by another client, is refused with a page.
    let again = browser.get(&authorize_with(&app, "rp", &request_uri)).await;
    assert_eq!(again.status(), 400);
    assert!(again.headers().get("location").is_none());
    let request = rp.authorize(&["openid"]);
    let (_, pushed, _) = push(&app, ("rp", Some(RP_SECRET)), &params_of(&request.url)).await;
    let other = browser.get(&authorize_with(&app, "spa", pushed["request_uri"].as_str().expect("uri"))).await;
    assert_eq!(other.status(), 400, "a request pushed by rp is not spa's");
    let mine = browser.get(&authorize_with(&app, "rp", pushed["request_uri"].as_str().expect("uri"))).await;
    assert!(query_param(&location(&mine), "code").is_some(), "refused attempts did not use it up");
}
on_every_backend!(a_pushed_request_signs_in_once);

async fn refused_pushes_store_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let good = params_of(&rp.authorize(&["openid"]).url);
    let with = |name: &str, value: Option<&str>| {
        let mut form: Vec<(String, String)> = good.iter().filter(|(k, _)| k != name).cloned().collect();
        if let Some(value) = value {
            form.push((name.to_owned(), value.to_owned()));
        }
        form
    };
    let cases = [
        (("rp", None), good.clone(), 401, "invalid_client"),
        (("rp", Some("wrong-secret")), good.clone(), 401, "invalid_client"),
        (("rp", Some(RP_SECRET)), with("redirect_uri", Some("https://evil.example/cb")), 400, "invalid_request"),
        (("rp", Some(RP_SECRET)), with("response_type", Some("token")), 400, "unsupported_response_type"),
        (("rp", Some(RP_SECRET)), with("scope", Some("openid admin")), 400, "invalid_scope"),
        (
            ("rp", Some(RP_SECRET)),
            with("request_uri", Some("urn:ietf:params:oauth:request_uri:x")),
            400,
            "invalid_request",
        ),
        (("rp", Some(RP_SECRET)), with("client_id", Some("spa")), 400, "invalid_request"),
        (("rp", Some(RP_SECRET)), with("code_challenge_method", Some("plain")), 400, "invalid_request"),
    ];
    for (client, form, status, error) in cases {
        let (got, body, _) = push(&app, client, &form).await;
        assert_eq!((got.as_u16(), body["error"].as_str()), (status, Some(error)), "{form:?}");
    }
    let public = params_of(&RelyingParty::discover(&app.base, "spa", None).await.authorize(&["openid"]).url);
    let without_pkce: Vec<(String, String)> =
        public.into_iter().filter(|(k, _)| !k.starts_with("code_challenge")).collect();
    let (status, body, _) = push(&app, ("spa", None), &without_pkce).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_request")), "public clients need PKCE");
    assert_eq!(stored(&app).await, 0);
}
on_every_backend!(refused_pushes_store_nothing);

async fn an_expired_pushed_request_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let (_, pushed, _) = push(&app, ("rp", Some(RP_SECRET)), &params_of(&rp.authorize(&["openid"]).url)).await;
    pushed_requests::Entity::update_many()
        .col_expr(pushed_requests::Column::ExpiresAt, Expr::value(mana_auth::store::now() - 1))
        .exec(&app.db)
        .await
        .expect("age");
    let response =
        Browser::new(&app.base).get(&authorize_with(&app, "rp", pushed["request_uri"].as_str().expect("uri"))).await;
    assert_eq!(response.status(), 400);
    mana_auth::store::cleanup::sweep(&app.db, &app.state.config).await.expect("sweep");
    assert_eq!(stored(&app).await, 0, "the sweep deletes it");
}
on_every_backend!(an_expired_pushed_request_is_refused);

async fn a_client_or_every_client_can_be_made_to_push(backend: Backend) {
    let app = TestApp::spawn_with(backend.clone(), |c| {
        c.clients.iter_mut().filter(|client| client.id == "rp").for_each(|client| {
            client.require_pushed_authorization_requests = true;
        });
    })
    .await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let browser = Browser::new(&app.base);
    let direct = browser.get(&rp.authorize(&["openid"]).url).await;
    let to = location(&direct);
    assert!(to.starts_with(RP_REDIRECT), "{to}");
    assert_eq!(query_param(&to, "error").as_deref(), Some("invalid_request"));
    let spa = RelyingParty::discover(&app.base, "spa", None).await;
    let spa_direct = location(&browser.get(&spa.authorize(&["openid"]).url).await);
    assert!(spa_direct.starts_with("/login?req="), "other clients may still send requests directly: {spa_direct}");
    let (status, pushed, _) = push(&app, ("rp", Some(RP_SECRET)), &params_of(&rp.authorize(&["openid"]).url)).await;
    assert_eq!(status, 201);
    let via_par =
        location(&browser.get(&authorize_with(&app, "rp", pushed["request_uri"].as_str().expect("uri"))).await);
    assert!(via_par.starts_with("/login?req="), "{via_par}");

    let app = TestApp::spawn_with(backend, |c| c.oauth.require_pushed_authorization_requests = true).await;
    let discovery: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(discovery["require_pushed_authorization_requests"], true);
    let spa = RelyingParty::discover(&app.base, "spa", None).await;
    let refused = location(&Browser::new(&app.base).get(&spa.authorize(&["openid"]).url).await);
    assert_eq!(query_param(&refused, "error").as_deref(), Some("invalid_request"), "{refused}");
}
on_every_backend!(a_client_or_every_client_can_be_made_to_push);

async fn a_request_uri_sent_at_once_from_many_browsers_is_redeemed_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let (_, pushed, _) = push(&app, ("rp", Some(RP_SECRET)), &params_of(&rp.authorize(&["openid"]).url)).await;
    let url = authorize_with(&app, "rp", pushed["request_uri"].as_str().expect("uri"));
    let browsers: Vec<Browser> = (0..8).map(|_| Browser::new(&app.base)).collect();
    let answers = futures_util::future::join_all(browsers.iter().map(|b| b.get(&url))).await;
    let statuses: Vec<u16> = answers.iter().map(|a| a.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 303 || *s == 400), "{statuses:?}");
}
on_every_backend!(a_request_uri_sent_at_once_from_many_browsers_is_redeemed_once);
