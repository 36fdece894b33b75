//! Signing in with GitHub, which speaks OAuth 2.0 but not OpenID Connect, against a
//! GitHub inside the test that answers as GitHub does: codes bound to their PKCE
//! challenge and redirect URI and redeemed once, errors with status 200, the person
//! from `/user` and their primary address from `/user/emails`. A verified primary
//! address creates one account, which later sign-ins land in; an unverified one, or an
//! answer that does not hold up, signs no one in.

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex},
};

use axum::{
    Form, Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::{credit_transactions, security_events, upstream_identities, users};
use mana_auth::{
    config::UpstreamKind,
    security::{opaque::random_token, passwords::NO_PASSWORD},
};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{
    common::{
        Backend, TestApp,
        browser::{Browser, location, query_param},
        listener,
        upstream::{start, upstream_config},
    },
    on_every_backend,
};

const CLIENT_ID: &str = "gh-client";
const CLIENT_SECRET: &str = "gh-secret";
const EMAIL: &str = "octo@example.org";
const OTHER_EMAIL: &str = "other@example.org";
/// What the pages say (locales/en.ftl, `upstream-*`).
const EXPIRED: &str = "finished already, has expired";
const REFUSED: &str = "did not sign you in";
const UNREACHABLE: &str = "could not be reached";
const UNVERIFIED: &str = "has not confirmed your email address";

/// A code the fake issued: what its redemption must match.
struct Issued {
    challenge: String,
    redirect_uri: String,
}

/// What the fake GitHub knows and says.
struct Github {
    /// Codes not presented yet.
    codes: HashMap<String, Issued>,
    tokens: HashSet<String>,
    login: String,
    emails: Value,
    /// `/user` answers 500, as in an outage.
    user_fails: bool,
}

#[derive(Clone)]
struct FakeGithub {
    base: String,
    github: Arc<Mutex<Github>>,
}

impl FakeGithub {
    fn with<T>(&self, f: impl FnOnce(&mut Github) -> T) -> T {
        let mut github = self.github.lock().expect("the fake's state");
        f(&mut github)
    }

    /// A code, as GitHub issues one once the person agreed, for the PKCE challenge and
    /// redirect URI of the authorize request.
    fn issue(&self, challenge: &str, redirect_uri: &str) -> String {
        let code = random_token(10);
        let issued = Issued { challenge: challenge.to_owned(), redirect_uri: redirect_uri.to_owned() };
        self.with(|github| {
            github.codes.insert(code.clone(), issued);
        });
        code
    }

    fn unused(&self, code: &str) -> bool {
        self.with(|github| github.codes.contains_key(code))
    }
}

impl Github {
    /// GitHub's refusals of an API request: 403 without a User-Agent, 401 without a
    /// token it gave.
    fn refusal(&self, headers: &HeaderMap) -> Option<Response> {
        if !headers.contains_key(header::USER_AGENT) {
            let message = "Request forbidden by administrative rules.";
            return Some((StatusCode::FORBIDDEN, Json(json!({ "message": message }))).into_response());
        }
        let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        if bearer.and_then(|v| v.strip_prefix("Bearer ")).is_some_and(|token| self.tokens.contains(token)) {
            return None;
        }
        Some((StatusCode::UNAUTHORIZED, Json(json!({ "message": "Bad credentials" }))).into_response())
    }
}

fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `POST /login/oauth/access_token`: a token for a code it issued, presented once with
/// the verifier of its challenge; otherwise GitHub's error, with status 200. Without
/// `Accept: application/json` GitHub answers with a form, which is no token answer.
async fn access_token(
    State(fake): State<FakeGithub>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let field = |name: &str| form.get(name).map_or("", String::as_str);
    let granted = fake.with(|github| {
        // Gone once presented, whatever else the request says.
        let issued = github.codes.remove(field("code"))?;
        let matches = issued.challenge == s256(field("code_verifier"))
            && issued.redirect_uri == field("redirect_uri")
            && (field("client_id"), field("client_secret")) == (CLIENT_ID, CLIENT_SECRET);
        matches.then(|| {
            let token = format!("gho_{}", random_token(16));
            github.tokens.insert(token.clone());
            token
        })
    });
    let answer = match granted {
        Some(token) => json!({"access_token": token, "token_type": "bearer", "scope": "read:user,user:email"}),
        None => {
            json!({"error": "bad_verification_code", "error_description": "The code passed is incorrect or expired."})
        }
    };
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if accept.contains("application/json") {
        return Json(answer).into_response();
    }
    let body = serde_urlencoded::to_string(&answer).expect("a form");
    ([(header::CONTENT_TYPE, "application/x-www-form-urlencoded")], body).into_response()
}

/// `GET /user`: the person, with the public address GitHub shows (none).
async fn user(State(fake): State<FakeGithub>, headers: HeaderMap) -> Response {
    fake.with(|github| {
        if let Some(refusal) = github.refusal(&headers) {
            return refusal;
        }
        if github.user_fails {
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
        Json(json!({"id": 583_231, "login": github.login, "name": "The Octocat", "email": null})).into_response()
    })
}

/// `GET /user/emails`: every address of the person, each saying whether it is the
/// primary one and verified.
async fn user_emails(State(fake): State<FakeGithub>, headers: HeaderMap) -> Response {
    fake.with(|github| github.refusal(&headers).unwrap_or_else(|| Json(github.emails.clone()).into_response()))
}

/// The person's addresses at GitHub: the primary one, verified or not, and a verified
/// other one, which must not be taken instead.
fn emails(primary_verified: bool) -> Value {
    json!([
        {"email": EMAIL, "primary": true, "verified": primary_verified, "visibility": "public"},
        {"email": OTHER_EMAIL, "primary": false, "verified": true, "visibility": null}
    ])
}

/// The fake GitHub on a loopback address of its own, and the app signing in with it.
async fn app_with_github(backend: Backend, primary_verified: bool) -> (TestApp, FakeGithub) {
    let socket = listener("127.0.0.3").await;
    let base = format!("http://{}", socket.local_addr().expect("addr"));
    let github = Github {
        codes: HashMap::new(),
        tokens: HashSet::new(),
        login: "Octo-Cat".into(),
        emails: emails(primary_verified),
        user_fails: false,
    };
    let fake = FakeGithub { base, github: Arc::new(Mutex::new(github)) };
    let routes = Router::new()
        .route("/login/oauth/access_token", post(access_token))
        .route("/user", get(user))
        .route("/user/emails", get(user_emails))
        .with_state(fake.clone());
    tokio::spawn(async move { axum::serve(socket, routes).await.expect("fake github") });
    let entry = upstream_config("github", UpstreamKind::Github, &fake.base, CLIENT_ID, CLIENT_SECRET);
    let app = TestApp::spawn_with(backend, |config| config.upstreams.push(entry)).await;
    (app, fake)
}

/// A sign-in started in a browser and agreed to at GitHub: what comes back to the callback.
struct Answer {
    redirect_uri: String,
    state: String,
    code: String,
}

impl Answer {
    /// The callback address with `pairs` as its query.
    fn url(&self, pairs: &[(&str, &str)]) -> String {
        let mut url = url::Url::parse(&self.redirect_uri).expect("the redirect URI");
        for (name, value) in pairs {
            url.query_pairs_mut().append_pair(name, value);
        }
        url.to_string()
    }

    /// The answer as GitHub sends it.
    fn callback(&self) -> String {
        self.url(&[("code", self.code.as_str()), ("state", self.state.as_str())])
    }
}

/// Starts a sign-in with GitHub in `browser` and has the fake issue a code for the
/// authorize request the app sent the browser with.
async fn sign_in_at_github(app: &TestApp, fake: &FakeGithub, browser: &Browser) -> Answer {
    let authorize = start(browser, "github", "").await;
    assert!(authorize.starts_with(&format!("{}/login/oauth/authorize?", fake.base)), "{authorize}");
    let param = |name: &str| query_param(&authorize, name).unwrap_or_else(|| panic!("no {name} in {authorize}"));
    assert_eq!(
        (param("client_id"), param("scope"), param("code_challenge_method")),
        (CLIENT_ID.to_owned(), "read:user user:email".to_owned(), "S256".to_owned())
    );
    let redirect_uri = param("redirect_uri");
    assert_eq!(redirect_uri, app.url("/login/upstream/github/callback"));
    let code = fake.issue(&param("code_challenge"), &redirect_uri);
    Answer { redirect_uri, state: param("state"), code }
}

/// The status and page `url` answers `browser` with.
async fn visit(browser: &Browser, url: &str) -> (StatusCode, String) {
    let response = browser.get(url).await;
    (response.status(), response.text().await.expect("page"))
}

/// A whole sign-in in a fresh browser: what the callback answers.
async fn sign_in_once(app: &TestApp, fake: &FakeGithub) -> (StatusCode, String) {
    let browser = Browser::new(&app.base);
    let answer = sign_in_at_github(app, fake, &browser).await;
    visit(&browser, &answer.callback()).await
}

async fn account(app: &TestApp, email: &str) -> Option<users::Model> {
    users::Entity::find().filter(users::Column::Email.eq(email)).one(&app.db).await.expect("read")
}

async fn identities(app: &TestApp) -> Vec<upstream_identities::Model> {
    upstream_identities::Entity::find().all(&app.db).await.expect("read")
}

/// `key` of the details of each event of `kind` about `user_id` (none: about no account).
async fn event_values(app: &TestApp, kind: &str, user_id: Option<&str>, key: &str) -> Vec<String> {
    let found = security_events::Entity::find().filter(security_events::Column::Kind.eq(kind)).all(&app.db).await;
    let about = found.expect("events").into_iter().filter(|event| event.user_id.as_deref() == user_id);
    let details = about.map(|event| event.details.unwrap_or_else(|| "{}".to_owned()));
    let details = details.map(|details| serde_json::from_str::<Value>(&details).expect("JSON details"));
    details.map(|details| details[key].as_str().unwrap_or_default().to_owned()).collect()
}

async fn a_verified_github_address_creates_an_account_once(backend: Backend) {
    let (app, fake) = app_with_github(backend, true).await;
    let browser = Browser::new(&app.base);
    let answer = sign_in_at_github(&app, &fake, &browser).await;
    let response = browser.get(&answer.callback()).await;
    // The fake redeems a code only with the verifier of its challenge: the app sent it.
    assert_eq!((response.status(), location(&response)), (StatusCode::SEE_OTHER, "/".to_owned()));
    assert!(!fake.unused(&answer.code), "the code was redeemed");
    assert_eq!(browser.get("/account").await.status(), StatusCode::OK, "the browser is signed in");

    let user = account(&app, EMAIL).await.expect("an account for the verified primary address");
    assert_eq!(
        (user.username.as_deref(), user.name.as_deref(), user.email_verified, user.password_hash.as_str()),
        (Some("octo-cat"), Some("The Octocat"), true, NO_PASSWORD)
    );
    assert!(account(&app, OTHER_EMAIL).await.is_none(), "only the primary address counts");
    let linked = identities(&app).await;
    let [identity] = linked.as_slice() else { panic!("one identity: {linked:?}") };
    assert_eq!(
        (identity.user_id.as_str(), identity.upstream_id.as_str(), identity.issuer.as_str(), identity.subject.as_str()),
        (user.id.as_str(), "github", fake.base.as_str(), "583231")
    );
    let id = Some(user.id.as_str());
    assert_eq!(event_values(&app, "account.created", id, "channel").await, ["upstream"]);
    assert_eq!(event_values(&app, "upstream.linked", id, "how").await, ["new_account"]);
    assert_eq!(event_values(&app, "upstream.signed_in", id, "upstream").await, ["github"]);
    assert_eq!(event_values(&app, "sign_in.succeeded", id, "channel").await, ["upstream"]);
    let bonus = credit_transactions::Entity::find()
        .filter(credit_transactions::Column::Reference.eq(format!("signup:{}", user.id)))
        .one(&app.db)
        .await
        .expect("read")
        .expect("the sign-up bonus");
    assert_eq!((bonus.kind.as_str(), bonus.amount), ("signup_bonus", app.state.config.credits.signup_bonus));

    // The login name changes at GitHub; the account's number, the subject, does not.
    let accounts = users::Entity::find().count(&app.db).await.expect("count");
    fake.with(|github| github.login = "octo-renamed".into());
    let again = Browser::new(&app.base);
    let answer = sign_in_at_github(&app, &fake, &again).await;
    assert_eq!(again.get(&answer.callback()).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(users::Entity::find().count(&app.db).await.expect("count"), accounts, "no second account");
    let linked = identities(&app).await;
    let [identity] = linked.as_slice() else { panic!("one identity: {linked:?}") };
    assert_eq!((identity.user_id.as_str(), identity.username.as_deref()), (user.id.as_str(), Some("octo-renamed")));
    assert_eq!(event_values(&app, "upstream.signed_in", id, "upstream").await, ["github", "github"]);
    assert_eq!(event_values(&app, "account.created", id, "channel").await.len(), 1);
}

on_every_backend!(a_verified_github_address_creates_an_account_once);

async fn an_unverified_primary_address_neither_signs_in_nor_links(backend: Backend) {
    let (app, fake) = app_with_github(backend, false).await;
    let (status, page) = sign_in_once(&app, &fake).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains(UNVERIFIED), "{page}");
    assert!(account(&app, EMAIL).await.is_none());
    assert!(account(&app, OTHER_EMAIL).await.is_none(), "a verified address that is not the primary one");
    assert!(identities(&app).await.is_empty());

    // An account has the address: it is not linked, and the page does not say it exists.
    let existing = app.user(EMAIL).await;
    let (status, page) = sign_in_once(&app, &fake).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains(UNVERIFIED), "{page}");
    assert!(identities(&app).await.is_empty(), "not linked");
    assert!(event_values(&app, "upstream.signed_in", Some(existing.id.as_str()), "upstream").await.is_empty());
}

on_every_backend!(an_unverified_primary_address_neither_signs_in_nor_links);

async fn answers_that_do_not_hold_up_sign_no_one_in(backend: Backend) {
    let (app, fake) = app_with_github(backend, true).await;

    // A state this browser did not start with.
    let browser = Browser::new(&app.base);
    let answer = sign_in_at_github(&app, &fake, &browser).await;
    let guess = random_token(16);
    let (status, page) =
        visit(&browser, &answer.url(&[("code", answer.code.as_str()), ("state", guess.as_str())])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(EXPIRED), "{page}");
    assert_eq!(event_values(&app, "upstream.failed", None, "reason").await, ["state"]);
    // The browser's sign-in went with the guess: there is no second try.
    assert_eq!(visit(&browser, &answer.callback()).await.0, StatusCode::BAD_REQUEST);
    assert!(fake.unused(&answer.code), "no code was redeemed");

    // A verifier that does not match the code's challenge: GitHub refuses the code.
    let browser = Browser::new(&app.base);
    let answer = sign_in_at_github(&app, &fake, &browser).await;
    let other = Issued { challenge: s256("another verifier"), redirect_uri: answer.redirect_uri.clone() };
    fake.with(|github| {
        github.codes.insert(answer.code.clone(), other);
    });
    let (status, page) = visit(&browser, &answer.callback()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains(REFUSED), "{page}");

    // The person said no at GitHub.
    let browser = Browser::new(&app.base);
    let answer = sign_in_at_github(&app, &fake, &browser).await;
    let (status, page) =
        visit(&browser, &answer.url(&[("error", "access_denied"), ("state", answer.state.as_str())])).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains(REFUSED), "{page}");

    // GitHub's API fails after the code was redeemed.
    fake.with(|github| github.user_fails = true);
    let (status, page) = sign_in_once(&app, &fake).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert!(page.contains(UNREACHABLE), "{page}");

    assert!(account(&app, EMAIL).await.is_none());
    assert!(identities(&app).await.is_empty());
}

on_every_backend!(answers_that_do_not_hold_up_sign_no_one_in);

async fn an_answer_counts_once_and_only_in_the_browser_that_started(backend: Backend) {
    let (app, fake) = app_with_github(backend, true).await;
    let browser = Browser::new(&app.base);
    let answer = sign_in_at_github(&app, &fake, &browser).await;

    // Delivered to another browser, as a login forgery would: refused before redeeming.
    let (status, page) = visit(&Browser::new(&app.base), &answer.callback()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains(EXPIRED), "{page}");
    assert!(fake.unused(&answer.code), "the code was not redeemed for another browser");
    assert!(account(&app, EMAIL).await.is_none());

    // The browser that started still finishes, once.
    assert_eq!(browser.get(&answer.callback()).await.status(), StatusCode::SEE_OTHER);
    let user = account(&app, EMAIL).await.expect("signed up");
    let (status, page) = visit(&browser, &answer.callback()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "a replayed answer");
    assert!(page.contains(EXPIRED), "{page}");
    assert_eq!(event_values(&app, "upstream.signed_in", Some(user.id.as_str()), "upstream").await, ["github"]);
}

on_every_backend!(an_answer_counts_once_and_only_in_the_browser_that_started);
