//! Two providers for the sign-in through another one: a second mana-auth with its own
//! database on 127.0.0.2 is the upstream (browsers keep cookies per host, so the two
//! keep their sessions apart), this one on 127.0.0.1 knows it as `[[upstreams]]` "idp".

use entity::{security_events, upstream_identities, users};
use mana_auth::config::{Config, UpstreamConfig, UpstreamKind};
use reqwest::Response;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::common::{
    Backend, PASSWORD, RP_SECRET, TestApp,
    browser::{Browser, hidden_field, onward},
    chromium::browser_client,
    database::TestDatabase,
    listener,
    rp::{RelyingParty, Request},
    upstream::{follow_all, start, upstream_config},
};

pub const UP_SECRET: &str = "upstream-client-secret-0123456789";

pub struct Pair {
    /// This provider, where relying parties sign people in.
    pub down: TestApp,
    /// The other provider people sign in at.
    pub up: TestApp,
}

/// The two providers, with the upstream entry as `adjust` leaves it.
pub async fn pair(backend: Backend, adjust: impl FnOnce(&mut UpstreamConfig)) -> Pair {
    pair_configured(backend, adjust, |_| {}).await
}

/// `pair`, with this provider's configuration as `down` leaves it.
pub async fn pair_configured(
    backend: Backend,
    adjust: impl FnOnce(&mut UpstreamConfig),
    down: impl FnOnce(&mut Config),
) -> Pair {
    let down_listener = listener("127.0.0.1").await;
    let down_base = format!("http://{}", down_listener.local_addr().expect("addr"));
    let mut client = browser_client(format!("{down_base}/login/upstream/idp/callback"), UP_SECRET, true);
    client.id = "downstream".into();
    let up_database = TestDatabase::create(backend.clone()).await;
    let up = TestApp::spawn_listening(up_database, listener("127.0.0.2").await, |c| c.clients.push(client)).await;
    let mut entry = upstream_config("idp", UpstreamKind::Oidc, &up.base, "downstream", UP_SECRET);
    adjust(&mut entry);
    let down_database = TestDatabase::create(backend).await;
    let down = TestApp::spawn_listening(down_database, down_listener, |c| {
        c.upstreams.push(entry);
        down(c);
    })
    .await;
    Pair { down, up }
}

/// A person at the upstream, their address confirmed there or not.
pub async fn upstream_person(pair: &Pair, email: &str, confirmed: bool) -> users::Model {
    let person = pair.up.user(email).await;
    if confirmed {
        mana_auth::store::users::set_verified_email(&pair.up.db, &person.id, email).await.expect("confirmed");
    }
    person
}

/// A relying party's sign-in in progress, with the browser it runs in.
pub struct Attempt {
    pub rp: RelyingParty,
    pub request: Request,
    pub browser: Browser,
    /// The `req` of the sign-in page.
    pub req: String,
}

/// Opens the relying party's authorization request (with `extra` query parameters) in
/// a new browser, up to this provider's sign-in page.
pub async fn attempt(pair: &Pair, extra: &str) -> Attempt {
    attempt_in(pair, Browser::new(&pair.down.base), extra).await
}

/// `attempt` in `browser`, which may be signed in already.
pub async fn attempt_in(pair: &Pair, browser: Browser, extra: &str) -> Attempt {
    attempt_for(pair, browser, &["openid", "email", "profile"], extra).await
}

/// `attempt_in`, asking for `scopes`.
pub async fn attempt_for(pair: &Pair, browser: Browser, scopes: &[&str], extra: &str) -> Attempt {
    let rp = RelyingParty::discover(&pair.down.base, "rp", Some(RP_SECRET)).await;
    let request = rp.authorize(scopes);
    let (page, left) = browser.follow(browser.get(&format!("{}{extra}", request.url)).await).await;
    assert!(left.is_none(), "the sign-in page, not {left:?}");
    let html = page.text().await.expect("sign-in page");
    assert!(html.contains("href=\"/login/upstream/idp?req="), "the upstream's button");
    let req = hidden_field(&html, "req");
    Attempt { rp, request, browser, req }
}

/// Goes to the upstream and back for `req` (or none), signing in there as `email`
/// (with `code` where the upstream asks for one) unless signed in there already: the
/// callback URL the upstream sends the browser to, not yet opened.
pub async fn callback_from_upstream(
    pair: &Pair,
    browser: &Browser,
    req: &str,
    email: &str,
    code: Option<&str>,
) -> String {
    let at_upstream = start(browser, "idp", req).await;
    sign_in_at_upstream(pair, browser, &at_upstream, email, code).await
}

/// Opens `at_upstream` and signs in there (see `callback_from_upstream`).
pub async fn sign_in_at_upstream(
    pair: &Pair,
    browser: &Browser,
    at_upstream: &str,
    email: &str,
    code: Option<&str>,
) -> String {
    assert!(at_upstream.starts_with(&pair.up.base), "{at_upstream}");
    let mut response = browser.get(at_upstream).await;
    loop {
        if let Some(next) = onward(&response) {
            let next = response.url().join(&next).expect("location").to_string();
            if next.contains("/login/upstream/idp/callback") {
                return next;
            }
            response = browser.get(&next).await;
            continue;
        }
        let html = response.text().await.expect("a page of the upstream");
        let csrf = hidden_field(&html, "csrf");
        response = if html.contains("name=\"password\"") {
            let form =
                [("email", email), ("password", PASSWORD), ("csrf", &csrf), ("req", &hidden_field(&html, "req"))];
            browser.post_form(&pair.up.url("/login"), &form).await
        } else {
            let code = code.expect("the upstream asks for a code");
            browser.post_form(&pair.up.url("/login/mfa"), &[("code", code), ("csrf", &csrf)]).await
        };
    }
}

/// The whole way: the upstream's sign-in as `email`, then this provider onwards, up to
/// the relying party's redirect URI (`Some`) or the page it stops at.
pub async fn through_upstream(pair: &Pair, attempt: &Attempt, email: &str) -> (Response, Option<String>) {
    let callback = callback_from_upstream(pair, &attempt.browser, &attempt.req, email, None).await;
    follow_all(&attempt.browser, attempt.browser.get(&callback).await).await
}

/// The id_token's claims for the code in `callback`, checked by the relying party.
pub async fn id_token_claims(attempt: &Attempt, callback: &str) -> serde_json::Value {
    let code = crate::common::browser::query_param(callback, "code").expect("a code");
    let verifier = openidconnect::PkceCodeVerifier::new(attempt.request.verifier.secret().clone());
    let tokens = attempt.rp.exchange(&code, verifier).await.expect("tokens");
    let id_token = openidconnect::TokenResponse::id_token(&tokens).expect("id_token");
    id_token
        .claims(&attempt.rp.verifier_for(openidconnect::core::CoreJwsSigningAlgorithm::EdDsa), &attempt.request.nonce)
        .expect("verified against the JWKS");
    crate::common::claims_of(&id_token.to_string())
}

pub async fn identities(app: &TestApp) -> Vec<upstream_identities::Model> {
    upstream_identities::Entity::find().all(&app.db).await.expect("identities")
}

pub async fn events(app: &TestApp, kind: &str) -> Vec<security_events::Model> {
    security_events::Entity::find().filter(security_events::Column::Kind.eq(kind)).all(&app.db).await.expect("events")
}

pub async fn account(app: &TestApp, email: &str) -> Option<users::Model> {
    users::Entity::find().filter(users::Column::Email.eq(email)).one(&app.db).await.expect("user")
}
