//! Signing in with an OpenID Connect provider whose id_tokens are forged or whose
//! answers are misdirected, against a provider inside the test: discovery announcing
//! that every answer names its issuer (RFC 9207), one Ed25519 key in its key set, and
//! a token endpoint answering with the id_token the scenario chose. Only the honest
//! answer signs in; every other is refused as not holding up, recorded, and makes no
//! account.

use std::sync::{
    Arc, Mutex,
    atomic::{AtomicUsize, Ordering},
};

use aws_lc_rs::{
    rand::SystemRandom,
    signature::{Ed25519KeyPair, KeyPair},
};
use axum::{
    Json, Router,
    extract::State,
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::{security_events, users};
use mana_auth::{
    config::{SigningAlg, UpstreamKind},
    keys::jws::Signer,
    store::now,
};
use reqwest::{Response, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, TestApp,
        browser::{Browser, location, query_param},
        listener,
        upstream::{start, upstream_config},
    },
    on_every_backend,
};

const CLIENT_ID: &str = "fake-client";
const EMAIL: &str = "eve@example.org";
/// What the pages say (locales/en.ftl, `upstream-invalid` and `upstream-expired`).
const INVALID: &str = "could not be accepted";
const EXPIRED: &str = "finished already, has expired";

/// The provider's key A, in its key set, and key B, which is not.
struct Keys {
    a: Signer,
    /// Key B under key A's `kid`.
    b_as_a: Signer,
    b: Signer,
    /// Key A's public half as a JWK.
    jwk: Value,
}

fn keys() -> Keys {
    let generate = || Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).expect("a key");
    let (a, b) = (generate(), generate());
    let public = Ed25519KeyPair::from_pkcs8(a.as_ref()).expect("key A").public_key().as_ref().to_vec();
    let signer = |kid: &str, der: &[u8]| Signer::from_pkcs8(kid, SigningAlg::EdDSA, der).expect("a signer");
    let x = URL_SAFE_NO_PAD.encode(public);
    Keys {
        a: signer("a", a.as_ref()),
        b_as_a: signer("a", b.as_ref()),
        b: signer("b", b.as_ref()),
        jwk: json!({"kty": "OKP", "crv": "Ed25519", "x": x, "kid": "a", "alg": "EdDSA", "use": "sig"}),
    }
}

/// The id_token the provider answers with.
#[derive(Clone, Copy, Debug)]
enum IdToken {
    Honest,
    SignedByKeyBUnderKeyAsId,
    SignedByAnUnknownKey,
    ForAnotherNonce,
    ForAnotherAudience,
    FromAnotherIssuer,
    Expired,
}

impl IdToken {
    /// The id_token for the sign-in that sent `nonce`, at the provider `issuer`.
    fn make(self, keys: &Keys, issuer: &str, nonce: &str) -> String {
        let at = now();
        let mut claims = json!({"iss": issuer, "sub": "user-7", "aud": CLIENT_ID, "exp": at + 300, "iat": at,
            "nonce": nonce, "email": EMAIL, "email_verified": true, "name": "Eve"});
        let mut signer = &keys.a;
        match self {
            IdToken::Honest => {}
            IdToken::SignedByKeyBUnderKeyAsId => signer = &keys.b_as_a,
            IdToken::SignedByAnUnknownKey => signer = &keys.b,
            IdToken::ForAnotherNonce => claims["nonce"] = json!("another-nonce"),
            IdToken::ForAnotherAudience => claims["aud"] = json!("another-client"),
            IdToken::FromAnotherIssuer => claims["iss"] = json!("https://idp.example"),
            IdToken::Expired => {
                claims["exp"] = json!(at - 600);
                claims["iat"] = json!(at - 900);
            }
        }
        signer.sign("JWT", &claims).expect("signed")
    }
}

#[derive(Clone)]
struct FakeProvider {
    base: String,
    jwk: Value,
    /// What the token endpoint answers with next.
    id_token: Arc<Mutex<String>>,
    token_requests: Arc<AtomicUsize>,
}

impl FakeProvider {
    fn answer_with(&self, id_token: String) {
        *self.id_token.lock().expect("the fake's state") = id_token;
    }

    fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::SeqCst)
    }
}

async fn discovery(State(fake): State<FakeProvider>) -> Json<Value> {
    let base = &fake.base;
    Json(json!({
        "issuer": base,
        "authorization_endpoint": format!("{base}/authorize"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["EdDSA"],
        "authorization_response_iss_parameter_supported": true
    }))
}

async fn jwks(State(fake): State<FakeProvider>) -> Json<Value> {
    Json(json!({ "keys": [fake.jwk] }))
}

/// Any code is good here: what is under test is the id_token.
async fn token(State(fake): State<FakeProvider>) -> Json<Value> {
    fake.token_requests.fetch_add(1, Ordering::SeqCst);
    let id_token = fake.id_token.lock().expect("the fake's state").clone();
    Json(json!({"access_token": "at-1", "token_type": "Bearer", "expires_in": 60, "id_token": id_token}))
}

/// The provider on a loopback address of its own, and the app with two upstreams at it,
/// `fake` and `fake2`.
async fn app_with_provider(backend: Backend) -> (TestApp, FakeProvider, Keys) {
    let keys = keys();
    let socket = listener("127.0.0.4").await;
    let fake = FakeProvider {
        base: format!("http://{}", socket.local_addr().expect("addr")),
        jwk: keys.jwk.clone(),
        id_token: Arc::default(),
        token_requests: Arc::default(),
    };
    let routes = Router::new()
        .route("/.well-known/openid-configuration", get(discovery))
        .route("/jwks", get(jwks))
        .route("/token", post(token))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(socket, routes).await.expect("fake provider") });
    let entries =
        ["fake", "fake2"].map(|id| upstream_config(id, UpstreamKind::Oidc, &fake.base, CLIENT_ID, "fake-secret"));
    let app = TestApp::spawn_with(backend, |config| config.upstreams.extend(entries)).await;
    (app, fake, keys)
}

/// A sign-in started at upstream `id` in a fresh browser: the browser, the `state` and
/// the `nonce` it was sent to the provider with.
async fn begin(app: &TestApp, fake: &FakeProvider, id: &str) -> (Browser, String, String) {
    let browser = Browser::new(&app.base);
    let authorize = start(&browser, id, "").await;
    assert!(authorize.starts_with(&format!("{}/authorize?", fake.base)), "{authorize}");
    let param = |name: &str| query_param(&authorize, name).unwrap_or_else(|| panic!("no {name} in {authorize}"));
    let (state, nonce) = (param("state"), param("nonce"));
    (browser, state, nonce)
}

/// Delivers an answer with `state` and a code to the callback of upstream `id`, naming
/// `iss` as the issuer when given.
async fn deliver(browser: &Browser, app: &TestApp, id: &str, state: &str, iss: Option<&str>) -> Response {
    let mut url = url::Url::parse(&app.url(&format!("/login/upstream/{id}/callback"))).expect("a URL");
    url.query_pairs_mut().append_pair("code", "c1").append_pair("state", state);
    if let Some(iss) = iss {
        url.query_pairs_mut().append_pair("iss", iss);
    }
    browser.get(url.as_str()).await
}

async fn page(response: Response) -> (StatusCode, String) {
    (response.status(), response.text().await.expect("page"))
}

async fn failures(app: &TestApp) -> u64 {
    let failed = security_events::Entity::find().filter(security_events::Column::Kind.eq("upstream.failed"));
    failed.count(&app.db).await.expect("count")
}

async fn account(app: &TestApp) -> Option<users::Model> {
    users::Entity::find().filter(users::Column::Email.eq(EMAIL)).one(&app.db).await.expect("read")
}

async fn forged_id_tokens_are_refused_and_the_honest_one_signs_in(backend: Backend) {
    let (app, fake, keys) = app_with_provider(backend).await;
    let forgeries = [
        IdToken::SignedByKeyBUnderKeyAsId,
        IdToken::SignedByAnUnknownKey,
        IdToken::ForAnotherNonce,
        IdToken::ForAnotherAudience,
        IdToken::FromAnotherIssuer,
        IdToken::Expired,
    ];
    for forgery in forgeries {
        let before = failures(&app).await;
        let (browser, state, nonce) = begin(&app, &fake, "fake").await;
        fake.answer_with(forgery.make(&keys, &fake.base, &nonce));
        let (status, text) = page(deliver(&browser, &app, "fake", &state, Some(&fake.base)).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{forgery:?}");
        assert!(text.contains(INVALID), "{forgery:?}: {text}");
        assert_eq!(failures(&app).await, before + 1, "{forgery:?} is recorded");
        assert!(account(&app).await.is_none(), "{forgery:?} made an account");
    }
    assert_eq!(fake.token_requests(), forgeries.len(), "each code was redeemed");

    // The same flow with the honest id_token: the refusals above were the checks'.
    let (browser, state, nonce) = begin(&app, &fake, "fake").await;
    fake.answer_with(IdToken::Honest.make(&keys, &fake.base, &nonce));
    let response = deliver(&browser, &app, "fake", &state, Some(&fake.base)).await;
    assert_eq!((response.status(), location(&response)), (StatusCode::SEE_OTHER, "/".to_owned()));
    let eve = account(&app).await.expect("an account for the honest answer");
    assert_eq!((eve.name.as_deref(), eve.email_verified), (Some("Eve"), true));
}

on_every_backend!(forged_id_tokens_are_refused_and_the_honest_one_signs_in);

async fn answers_from_another_issuer_or_at_another_callback_are_refused(backend: Backend) {
    let (app, fake, keys) = app_with_provider(backend).await;
    // Each answer carries an honest id_token: only the mix-up checks stand in the way.
    // The provider announces `iss` with every answer: another issuer's, or none, is a mix-up.
    for iss in [Some("https://idp.example"), None] {
        let before = failures(&app).await;
        let (browser, state, nonce) = begin(&app, &fake, "fake").await;
        fake.answer_with(IdToken::Honest.make(&keys, &fake.base, &nonce));
        let (status, text) = page(deliver(&browser, &app, "fake", &state, iss).await).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "iss {iss:?}");
        assert!(text.contains(INVALID), "iss {iss:?}: {text}");
        assert_eq!(failures(&app).await, before + 1, "iss {iss:?} is recorded");
    }

    // Started at `fake`, answered at the callback of `fake2`.
    let (browser, state, nonce) = begin(&app, &fake, "fake").await;
    fake.answer_with(IdToken::Honest.make(&keys, &fake.base, &nonce));
    let (status, text) = page(deliver(&browser, &app, "fake2", &state, Some(&fake.base)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains(INVALID), "{text}");
    // The sign-in is spent: delivered where it belongs afterwards, it is refused too.
    let (status, text) = page(deliver(&browser, &app, "fake", &state, Some(&fake.base)).await).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(text.contains(EXPIRED), "{text}");

    assert_eq!(fake.token_requests(), 0, "no code was redeemed");
    assert!(account(&app).await.is_none());
}

on_every_backend!(answers_from_another_issuer_or_at_another_callback_are_refused);
