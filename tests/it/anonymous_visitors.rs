//! Visitors who are not signed in cost the provider no storage: authorization
//! requests travel signed in `req`, the CSRF token in a cookie; their size is bounded
//! and the pages are rate limited per address.

use futures_util::future::join_all;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{
    common::{
        Backend, PASSWORD, RP_REDIRECT, RP_SECRET, TestApp,
        browser::{Browser, hidden_field, location, onward, query_param},
        rp::RelyingParty,
    },
    on_every_backend,
};

/// Bytes of the database in use: pages not on the free list (SQLite), the tables with
/// their indexes and TOAST (PostgreSQL).
async fn bytes_in_use(app: &TestApp) -> i64 {
    let backend = app.db.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => {
            "SELECT (p.page_count - f.freelist_count) * s.page_size AS n \
             FROM pragma_page_count() p, pragma_freelist_count() f, pragma_page_size() s"
        }
        _ => {
            "SELECT CAST(COALESCE(SUM(pg_total_relation_size(c.oid)), 0) AS BIGINT) AS n FROM pg_class c \
             JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
        }
    };
    let row = app.db.query_one_raw(Statement::from_string(backend, sql)).await.expect("size").expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

async fn browser_sessions(app: &TestApp) -> i64 {
    let sql = "SELECT COUNT(*) AS n FROM browser_sessions";
    let backend = app.db.get_database_backend();
    let row = app.db.query_one_raw(Statement::from_string(backend, sql)).await.expect("count").expect("row");
    row.try_get::<i64>("", "n").expect("n")
}

/// An authorization request of the `rp` client with the given `state`, `nonce` and `login_hint`.
fn authorize_url(app: &TestApp, state: &str, nonce: &str, hint: &str) -> String {
    let mut url = url::Url::parse(&app.url("/authorize")).expect("url");
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", "rp")
        .append_pair("redirect_uri", RP_REDIRECT)
        .append_pair("scope", "openid")
        .append_pair("state", state)
        .append_pair("nonce", nonce)
        .append_pair("login_hint", hint);
    url.to_string()
}

async fn anonymous_requests_store_nothing(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.security.rate_limit.pages_per_ip = 0).await;
    let before = bytes_in_use(&app).await;
    // No cookie jar: every request comes from a new visitor.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    let (state, nonce) = ("s".repeat(512), "n".repeat(512));
    let url = authorize_url(&app, &state, &nonce, "visitor@example.org");
    for round in 0..50 {
        let requests = (0..20).map(|i| {
            let http = http.clone();
            let url = url.clone();
            let app = &app;
            async move {
                let response = http.get(&url).send().await.expect("authorize");
                assert_eq!(response.status(), 303);
                let login = location(&response);
                assert!(login.starts_with("/login?req="), "{login}");
                let path = match i % 4 {
                    0 => login,
                    1 => "/signup".to_owned(),
                    2 => "/password/forgot".to_owned(),
                    _ => "/login".to_owned(),
                };
                let page = http.get(app.url(&path)).send().await.expect("page");
                assert_eq!(page.status(), 200, "{path}");
            }
        });
        join_all(requests).await;
        assert_eq!(browser_sessions(&app).await, 0, "round {round}");
    }
    let grown = bytes_in_use(&app).await - before;
    assert!(grown < 100 * 1024, "2,000 anonymous requests grew the database by {grown} bytes");
}
on_every_backend!(anonymous_requests_store_nothing);

async fn state_nonce_and_login_hint_are_bounded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = Browser::new(&app.base);
    let long_hint = format!("{}@example.org", "a".repeat(243));
    let refused = [
        authorize_url(&app, &"s".repeat(513), "n", "a@example.org"),
        authorize_url(&app, "s", &"n".repeat(513), "a@example.org"),
        authorize_url(&app, "s", "n", &long_hint),
    ];
    for url in refused {
        let response = browser.get(&url).await;
        assert_eq!(response.status(), 303);
        let back = location(&response);
        assert!(back.starts_with(RP_REDIRECT), "{back}");
        assert_eq!(query_param(&back, "error").as_deref(), Some("invalid_request"), "{back}");
    }
    let hint = format!("{}@example.org", "a".repeat(242));
    let response = browser.get(&authorize_url(&app, &"s".repeat(512), &"n".repeat(512), &hint)).await;
    let login = location(&response);
    assert!(login.starts_with("/login?req="), "the longest accepted values pass: {login}");
    let page = browser.get(&login).await.text().await.expect("page");
    assert!(page.contains(&format!("value=\"{hint}\"")), "login_hint fills in the email");
}
on_every_backend!(state_nonce_and_login_hint_are_bounded);

async fn pages_are_rate_limited_per_address(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.security.rate_limit.pages_per_ip = 5).await;
    let browser = Browser::new(&app.base);
    for _ in 0..5 {
        assert_eq!(browser.get("/login").await.status(), 200);
    }
    let refused = browser.get(&authorize_url(&app, "s", "n", "a@example.org")).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    assert!(refused.text().await.expect("page").contains("Too many attempts"));
}
on_every_backend!(pages_are_rate_limited_per_address);

/// Signs `email` in for an authorization request of the consent-asking client and
/// returns the browser with the URL of the consent page it stops on.
async fn at_consent(app: &TestApp, email: &str) -> (Browser, String) {
    let rp = RelyingParty::discover(&app.base, "consenting", Some(RP_SECRET)).await;
    let browser = Browser::new(&app.base);
    let request = rp.authorize(&["openid", "email"]);
    let (page, _) = browser.follow(browser.get(&request.url).await).await;
    let html = page.text().await.expect("sign-in page");
    let response = browser.submit_sign_in(&html, email, PASSWORD).await;
    let mut next = onward(&response).expect("on from the sign-in");
    loop {
        let response = browser.get(&next).await;
        if !response.status().is_redirection() {
            return (browser, next);
        }
        next = location(&response);
    }
}

async fn a_request_carried_to_another_browser_keeps_nothing_that_browser_did_not_do(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("victim@example.org").await;
    app.user("mallory@example.org").await;
    // Mallory approves her own request and keeps the link that would finish it.
    let (mallory, consent_url) = at_consent(&app, "mallory@example.org").await;
    assert!(consent_url.starts_with("/consent?req="), "{consent_url}");
    let page = mallory.get(&consent_url).await.text().await.expect("consent page");
    let form =
        [("csrf", hidden_field(&page, "csrf")), ("req", hidden_field(&page, "req")), ("decision", "allow".into())];
    let approved = mallory.post_form("/consent", &form.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
    let resume = onward(&approved).expect("on to the request");
    assert!(resume.starts_with("/authorize/resume?req="), "{resume}");

    // The victim, signed in elsewhere, is sent there: she is asked, not signed into the client.
    let (victim, _) = at_consent(&app, "victim@example.org").await;
    let response = victim.get(&resume).await;
    let next = location(&response);
    assert!(next.starts_with("/consent?req="), "consent is asked again, not skipped: {next}");

    // A request whose signature does not hold is refused.
    let middle = resume.len() / 2;
    let flipped = if &resume[middle..=middle] == "x" { "y" } else { "x" };
    let tampered = format!("{}{flipped}{}", &resume[..middle], &resume[middle + 1..]);
    assert_eq!(victim.get(&tampered).await.status(), 400);
    assert_eq!(victim.get("/authorize/resume?req=garbage").await.status(), 400);
}
on_every_backend!(a_request_carried_to_another_browser_keeps_nothing_that_browser_did_not_do);
