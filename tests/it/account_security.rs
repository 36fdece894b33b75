//! Rate limits, lockout, no enumeration at sign-in, and the audit trail: through the
//! API, the hosted pages and the token endpoint, in process and shared through Redis.

use std::time::{Duration, Instant};

use mana_auth::{
    admin::audit,
    config::{Config, PasswordsConfig},
    security::opaque::random_token,
};
use reqwest::{StatusCode, header::RETRY_AFTER};
use serde_json::{Value, json};

use crate::common::{
    Backend, PASSWORD, SERVICE_SECRET, TestApp,
    api::{Api, text},
    browser::{Browser, hidden_field},
    token_request,
};

/// Only the limit a test looks at is on; lockout off unless asked for.
fn quiet(config: &mut Config) {
    let limits = &mut config.security.rate_limit;
    limits.signin_per_ip = 0;
    limits.signin_per_account = 0;
    limits.register_per_ip = 0;
    limits.token_per_ip = 0;
    limits.token_per_client = 0;
    config.security.lockout.threshold = 0;
}

/// A raw API login: status, `Retry-After`, body.
async fn login(
    app: &TestApp,
    email: &str,
    password: &str,
    forwarded_for: Option<&str>,
) -> (StatusCode, Option<u64>, Value) {
    // A sign-in that hangs (on a dependency that went away) fails the test.
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let mut request = client.post(app.url("/api/v1/auth/login")).json(&json!({"email": email, "password": password}));
    if let Some(ip) = forwarded_for {
        request = request.header("x-forwarded-for", ip);
    }
    let response = request.send().await.expect("login");
    let status = response.status();
    let retry_after = response.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()?.parse().ok());
    (status, retry_after, response.json().await.expect("json"))
}

async fn events_of(app: &TestApp, user: &str, kind: Option<&str>) -> Vec<String> {
    let query = audit::Query {
        user: Some(user.into()),
        kind: kind.map(Into::into),
        since: Some("1h".into()),
        until: None,
        before: None,
        limit: 50,
    };
    audit::events(&app.db, query).await.expect("audit").into_iter().map(|e| e.kind).collect()
}

async fn lockout_is_the_same_for_known_and_unknown_emails(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        quiet(c);
        c.security.lockout.threshold = 3;
    })
    .await;
    app.user("known@example.org").await;
    let mut answers = Vec::new();
    for email in ["known@example.org", "nobody@example.org"] {
        let mut seen = Vec::new();
        for _ in 0..3 {
            let (status, _, body) = login(&app, email, "wrong password!", None).await;
            seen.push((status, body));
        }
        // Locked now: even the right password is refused, with the time to wait.
        let (status, retry_after, body) = login(&app, email, PASSWORD, None).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{email}: {body}");
        assert!((1..=30).contains(&retry_after.expect("Retry-After")), "{retry_after:?}");
        seen.push((status, body));
        answers.push(seen);
    }
    assert!(answers[0][..3].iter().all(|(s, _)| *s == StatusCode::UNAUTHORIZED));
    assert_eq!(answers[0][..3], answers[1][..3], "a known and an unknown email are answered alike");
    assert_eq!(answers[0][3].1["error"], answers[1][3].1["error"], "and locked alike");

    let kinds = events_of(&app, "known@example.org", None).await;
    assert_eq!(kinds.iter().filter(|k| *k == "sign_in.failed").count(), 3, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| *k == "account.locked").count(), 1, "{kinds:?}");

    // A success clears the count: two failures, a success, two failures: never locked.
    app.user("careful@example.org").await;
    for password in ["wrong password!", "wrong password!", PASSWORD, "wrong password!", "wrong password!"] {
        let (status, _, _) = login(&app, "careful@example.org", password, None).await;
        assert_ne!(status, StatusCode::TOO_MANY_REQUESTS);
    }
    assert_eq!(login(&app, "careful@example.org", PASSWORD, None).await.0, StatusCode::OK);
}
crate::on_every_backend!(lockout_is_the_same_for_known_and_unknown_emails);

/// How long a failed sign-in as `email` takes.
async fn sign_in_time(app: &TestApp, email: &str) -> Duration {
    let started = Instant::now();
    let (status, _, _) = login(app, email, "wrong password!", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    started.elapsed()
}

/// The median, over `runs` pairs of failed sign-ins as `first` and `second` one right
/// after the other (so both meet the same load on a busy machine), of how many times
/// longer the first took.
async fn median_ratio(app: &TestApp, first: &str, second: &str, runs: usize) -> f64 {
    let mut ratios = Vec::new();
    for _ in 0..runs {
        let first = sign_in_time(app, first).await;
        ratios.push(first.as_secs_f64() / sign_in_time(app, second).await.as_secs_f64());
    }
    ratios.sort_by(f64::total_cmp);
    ratios[runs / 2]
}

async fn sign_in_does_not_tell_which_emails_exist(backend: Backend) {
    // Hashes of some weight (tens of milliseconds), so the hash and not the noise of a busy
    // machine sets the time of a sign-in.
    let app = TestApp::spawn_with(backend, |config| {
        quiet(config);
        config.passwords = PasswordsConfig { memory_kib: 32768, iterations: 2, parallelism: 1 };
    })
    .await;
    app.user("known@example.org").await;
    let (_, _, known) = login(&app, "known@example.org", "wrong password!", None).await;
    let (_, _, unknown) = login(&app, "nobody@example.org", "wrong password!", None).await;
    assert_eq!(known, unknown);
    // Both run one Argon2id hash; without the dummy hash an unknown email would answer
    // in well under a tenth of the time.
    let ratio = median_ratio(&app, "known@example.org", "nobody@example.org", 9).await;
    assert!((1.0 / 3.0..3.0).contains(&ratio), "a known email takes {ratio} times as long");

    let browser = Browser::new(&app.base);
    let mut pages = Vec::new();
    for email in ["known@example.org", "nobody@example.org"] {
        let html = browser.get("/login").await.text().await.expect("page");
        let response = browser.submit_sign_in(&html, email, "wrong password!").await;
        let status = response.status();
        let html = response.text().await.expect("page");
        pages.push((status, html.replace(&hidden_field(&html, "csrf"), "").replace(email, "EMAIL")));
    }
    assert_eq!(pages[0], pages[1], "the hosted page answers alike");
}
crate::on_every_backend!(sign_in_does_not_tell_which_emails_exist);

async fn sign_in_and_register_are_limited_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        quiet(c);
        c.security.rate_limit.signin_per_ip = 3;
        c.security.rate_limit.register_per_ip = 2;
    })
    .await;
    for i in 0..3 {
        let (status, _, _) = login(&app, &format!("u{i}@example.org"), "wrong password!", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, retry_after, body) = login(&app, "u9@example.org", "wrong password!", None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["error"], "too_many_requests");
    assert!((1..=60).contains(&retry_after.expect("Retry-After")));
    // A client-chosen X-Forwarded-For changes nothing without trusted proxies.
    assert_eq!(login(&app, "u9@example.org", "x", Some("203.0.113.5")).await.0, StatusCode::TOO_MANY_REQUESTS);

    // The hosted page shares the budget and says when to come back.
    let browser = Browser::new(&app.base);
    let html = browser.get("/login").await.text().await.expect("page");
    let page = browser.submit_sign_in(&html, "u1@example.org", "wrong password!").await;
    assert_eq!(page.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers().contains_key(RETRY_AFTER));
    assert!(page.text().await.expect("page").contains("Too many attempts"));

    let api = Api::new(&app.base);
    for i in 0..2 {
        let body = json!({"email": format!("new{i}@example.org"), "password": PASSWORD});
        assert_eq!(api.post("/api/v1/auth/register", None, &body).await.0, StatusCode::CREATED);
    }
    let body = json!({"email": "new2@example.org", "password": PASSWORD});
    let (status, refused) = api.post("/api/v1/auth/register", None, &body).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{refused}");
    let b2b = json!({"organizationName": "Acme", "ownerEmail": "boss@example.org", "ownerPassword": PASSWORD});
    assert_eq!(api.post("/api/v1/auth/register/b2b", None, &b2b).await.0, StatusCode::TOO_MANY_REQUESTS);
    assert!(mana_auth::store::users::find_by_email(&app.db, "new2@example.org").await.expect("find").is_none());
}
crate::on_every_backend!(sign_in_and_register_are_limited_per_address);

async fn trusted_proxies_name_the_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        quiet(c);
        c.security.rate_limit.signin_per_ip = 2;
        c.server.trusted_proxies = vec!["127.0.0.1".to_owned()].try_into().expect("proxies");
    })
    .await;
    app.user("ada@example.org").await;
    for ip in ["203.0.113.1", "203.0.113.1", "203.0.113.2", "203.0.113.2"] {
        assert_eq!(login(&app, "ada@example.org", PASSWORD, Some(ip)).await.0, StatusCode::OK, "{ip}");
    }
    assert_eq!(login(&app, "ada@example.org", PASSWORD, Some("203.0.113.1")).await.0, StatusCode::TOO_MANY_REQUESTS);
    let events = audit::events(
        &app.db,
        audit::Query {
            user: Some("ada@example.org".into()),
            kind: None,
            since: None,
            until: None,
            before: None,
            limit: 1,
        },
    )
    .await
    .expect("audit");
    assert_eq!(events[0].ip.as_deref(), Some("203.0.113.2"), "the forwarded address is recorded");
}
crate::on_every_backend!(trusted_proxies_name_the_client);

async fn the_token_endpoint_is_limited_per_client(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        quiet(c);
        c.security.rate_limit.token_per_client = 2;
    })
    .await;
    let grant = [("grant_type", "client_credentials")];
    for _ in 0..2 {
        assert_eq!(token_request(&app, ("service", SERVICE_SECRET), &grant).await.status(), StatusCode::OK);
    }
    let refused = token_request(&app, ("service", SERVICE_SECRET), &grant).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key(RETRY_AFTER));
    assert_eq!(refused.headers()["cache-control"], "no-store");
    let body: Value = refused.json().await.expect("json");
    assert_eq!(body["error"], "temporarily_unavailable");
    // A wrong secret is not counted against the client it names.
    let wrong = token_request(&app, ("rp", "not the secret"), &grant).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
}
crate::on_every_backend!(the_token_endpoint_is_limited_per_client);

/// Limits and locks hold across processes that share a Redis.
async fn limits_are_shared_through_redis(backend: Backend) {
    let url =
        std::env::var("MANA_AUTH_TEST_REDIS_URL").expect("MANA_AUTH_TEST_REDIS_URL, set when the suite was built");
    let prefix = format!("mana-auth-test-{}:", random_token(6));
    let shared = |c: &mut Config| {
        quiet(c);
        c.security.rate_limit.signin_per_ip = 4;
        c.security.lockout.threshold = 2;
        c.redis.url = Some(mana_auth::config::Secret::new(url.clone()));
        c.redis.key_prefix.clone_from(&prefix);
    };
    let first = TestApp::spawn_with(backend, shared).await;
    let second = first.spawn_beside(shared).await;
    first.user("ada@example.org").await;
    assert_eq!(login(&first, "ada@example.org", "wrong password!", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&second, "ada@example.org", "wrong password!", None).await.0, StatusCode::UNAUTHORIZED);
    let (status, retry_after, _) = login(&first, "ada@example.org", PASSWORD, None).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked by failures on both processes");
    assert!((1..=30).contains(&retry_after.expect("Retry-After")));
    // Four sign-ins from this address so far, counted on both; the fifth is refused.
    assert_eq!(login(&second, "other@example.org", "x", None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(login(&second, "other@example.org", "x", None).await.0, StatusCode::TOO_MANY_REQUESTS);

    // Another deployment on the same Redis (another prefix) has a budget of its own.
    let apart = first
        .spawn_beside(|c| {
            shared(c);
            c.redis.key_prefix = format!("{prefix}apart:");
        })
        .await;
    assert_eq!(login(&apart, "ada@example.org", PASSWORD, None).await.0, StatusCode::OK);
}
crate::on_every_backend!(limits_are_shared_through_redis, needs test_redis);

async fn users_read_their_own_security_events(backend: Backend) {
    let app = TestApp::spawn_with(backend, quiet).await;
    let api = Api::new(&app.base);
    let tokens = api.signed_up("ada@example.org").await;
    let access = text(&tokens, "accessToken");
    api.signed_up("bob@example.org").await;
    assert_eq!(login(&app, "ada@example.org", "wrong password!", None).await.0, StatusCode::UNAUTHORIZED);
    let body = json!({"currentPassword": PASSWORD, "newPassword": "another good passphrase"});
    assert_eq!(api.post("/api/v1/auth/password", Some(&access), &body).await.0, StatusCode::OK);

    let (status, page) = api.get("/api/v1/auth/security-events", &access).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let kinds: Vec<&str> =
        page["events"].as_array().expect("events").iter().map(|e| e["type"].as_str().expect("type")).collect();
    let expected = ["password.changed", "sign_in.failed", "sign_in.succeeded", "account.created"];
    assert_eq!(kinds, expected, "newest first, only her own");
    assert_eq!(page["events"][1]["details"]["channel"], "api");
    assert_eq!(page["events"][1]["ip"], "127.0.0.1");
    assert!(page["next"].is_null());

    let (_, first) = api.get("/api/v1/auth/security-events?limit=2", &access).await;
    assert_eq!(first["events"].as_array().map(Vec::len), Some(2));
    let next = text(&first, "next");
    let (_, rest) = api.get(&format!("/api/v1/auth/security-events?limit=2&before={next}"), &access).await;
    assert_eq!(rest["events"][0]["type"], "sign_in.succeeded");

    for bad in ["?limit=0", "?limit=201", "?limit=many"] {
        let (status, body) = api.get(&format!("/api/v1/auth/security-events{bad}"), &access).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {body}");
    }
    let (status, _) = api.get("/api/v1/auth/security-events", "not a token").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    assert_eq!(api.post("/api/v1/auth/logout", Some(&access), &json!({})).await.0, StatusCode::OK);
    assert_eq!(events_of(&app, "ada@example.org", Some("signed_out")).await, ["signed_out"]);
    let bad_since =
        audit::Query { user: None, kind: None, since: Some("last week".into()), until: None, before: None, limit: 10 };
    assert!(audit::events(&app.db, bad_since).await.is_err());
}
crate::on_every_backend!(users_read_their_own_security_events);

/// When Redis goes away, sign-in keeps working (the limits fail open, logged); when
/// it is back, counting resumes by itself.
async fn a_redis_outage_lets_sign_in_through_and_counting_resumes(backend: Backend) {
    let url =
        std::env::var("MANA_AUTH_TEST_REDIS_URL").expect("MANA_AUTH_TEST_REDIS_URL, set when the suite was built");
    let redis = url::Url::parse(&url).expect("redis url");
    let target = format!("{}:{}", redis.host_str().unwrap_or("127.0.0.1"), redis.port().unwrap_or(6379));
    let (port, up) = crate::common::proxy::spawn_proxy(target.parse().expect("address")).await;
    let prefix = format!("mana-auth-test-{}:", random_token(6));
    let app = TestApp::spawn_with(backend, |c| {
        quiet(c);
        c.security.rate_limit.signin_per_ip = 3;
        c.redis.url = Some(mana_auth::config::Secret::new(format!("redis://127.0.0.1:{port}")));
        c.redis.key_prefix.clone_from(&prefix);
    })
    .await;
    app.user("ada@example.org").await;
    assert_eq!(login(&app, "ada@example.org", PASSWORD, None).await.0, StatusCode::OK);

    up.send(crate::common::proxy::Link::Refusing).expect("cut");
    for _ in 0..5 {
        let (status, _, body) = login(&app, "ada@example.org", PASSWORD, None).await;
        assert_eq!(status, StatusCode::OK, "sign-in works while the counters are away: {body}");
    }

    up.send(crate::common::proxy::Link::Up).expect("restore");
    let mut statuses = Vec::new();
    for _ in 0..40 {
        let status = login(&app, "ada@example.org", PASSWORD, None).await.0;
        statuses.push(status);
        if status == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "counting resumed: {statuses:?}");
}
crate::on_every_backend!(a_redis_outage_lets_sign_in_through_and_counting_resumes, needs test_redis);
