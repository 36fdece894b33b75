//! The callback from the upstream under attack, against a real upstream: a state that
//! is wrong, replayed, or from another browser; a code replayed under a fresh state; an
//! answer naming another issuer or none (RFC 9207); and an upstream that is down.

use reqwest::StatusCode;

use crate::{
    common::{
        Backend, TestApp,
        browser::Browser,
        upstream::{follow_all, start, upstream_config},
    },
    on_every_backend,
    upstream_pair::{account, attempt, callback_from_upstream, events, pair, upstream_person},
};

/// The callback URL with the query parameter `name` set to `value`, or taken out.
fn with_param(callback: &str, name: &str, value: Option<&str>) -> String {
    let mut url = url::Url::parse(callback).expect("url");
    let kept: Vec<(String, String)> =
        url.query_pairs().filter(|(k, _)| k != name).map(|(k, v)| (k.into(), v.into())).collect();
    let mut query = url.query_pairs_mut();
    query.clear().extend_pairs(kept);
    if let Some(value) = value {
        query.append_pair(name, value);
    }
    drop(query);
    url.to_string()
}

/// Opens `url` in `browser` and expects the failure page with `status` saying `text`.
async fn refused(browser: &Browser, url: &str, status: StatusCode, text: &str) {
    let response = browser.get(url).await;
    assert_eq!(response.status(), status, "{url}");
    let html = response.text().await.expect("page");
    assert!(html.contains(text), "{html}");
}

const EXPIRED: &str = "finished already, has expired, or was started in another browser";
const INVALID: &str = "could not be accepted";

async fn a_callback_counts_once_in_the_browser_that_started_it(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "ida@example.org", true).await;

    // Another browser cannot finish this one's sign-in (login CSRF), and does not spend it.
    let owner = attempt(&pair, "").await;
    let callback = callback_from_upstream(&pair, &owner.browser, &owner.req, "ida@example.org", None).await;
    refused(&Browser::new(&pair.down.base), &callback, StatusCode::BAD_REQUEST, EXPIRED).await;
    let forged_state = with_param(&callback, "state", Some("forged-state"));
    refused(&owner.browser, &forged_state, StatusCode::BAD_REQUEST, EXPIRED).await;
    assert!(account(&pair.down, "ida@example.org").await.is_none());

    // A wrong state spends the one the browser held: start again.
    let owner = attempt(&pair, "").await;
    let callback = callback_from_upstream(&pair, &owner.browser, &owner.req, "ida@example.org", None).await;
    let (_, back) = follow_all(&owner.browser, owner.browser.get(&callback).await).await;
    assert!(back.is_some(), "the rightful answer signs in");
    refused(&owner.browser, &callback, StatusCode::BAD_REQUEST, EXPIRED).await;

    // The used code under a fresh state of the same browser: the upstream refuses it.
    let fresh = start(&owner.browser, "idp", "").await;
    let fresh_state = crate::common::browser::query_param(&fresh, "state").expect("state");
    let replayed = with_param(&callback, "state", Some(&fresh_state));
    refused(&owner.browser, &replayed, StatusCode::FORBIDDEN, "did not sign you in").await;
    assert_eq!(events(&pair.down, "upstream.signed_in").await.len(), 1);
    assert!(events(&pair.down, "upstream.failed").await.len() >= 2, "the forged states are recorded");
}

async fn of_two_answers_at_once_one_signs_in(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "kim@example.org", true).await;
    let attempt = attempt(&pair, "").await;
    let callback = callback_from_upstream(&pair, &attempt.browser, &attempt.req, "kim@example.org", None).await;
    let (first, second) = tokio::join!(attempt.browser.get(&callback), attempt.browser.get(&callback));
    let mut statuses = [first.status().as_u16(), second.status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 400], "one goes on, the other finds its sign-in taken");
    assert_eq!(events(&pair.down, "upstream.signed_in").await.len(), 1);
    assert!(account(&pair.down, "kim@example.org").await.is_some(), "one account");
}

async fn the_answer_must_come_from_the_upstream_it_was_started_at(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "joe@example.org", true).await;
    for (iss, what) in [(Some("http://127.0.0.9:1"), "another issuer"), (None, "no iss though announced")] {
        let attempt = attempt(&pair, "").await;
        let callback = callback_from_upstream(&pair, &attempt.browser, &attempt.req, "joe@example.org", None).await;
        assert!(callback.contains("iss="), "the upstream sends iss");
        let mixed_up = with_param(&callback, "iss", iss);
        let response = attempt.browser.get(&mixed_up).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{what}");
        assert!(response.text().await.expect("page").contains(INVALID), "{what}");
    }
    assert!(account(&pair.down, "joe@example.org").await.is_none());
    assert_eq!(events(&pair.down, "upstream.failed").await.len(), 2);
}

async fn an_upstream_that_is_down_gets_a_clear_page(backend: Backend) {
    // A port nothing listens on.
    let closed = crate::common::listener("127.0.0.2").await;
    let issuer = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let app = TestApp::spawn_with(backend, |config| {
        config.upstreams.push(upstream_config("idp", mana_auth::config::UpstreamKind::Oidc, &issuer, "c", "s"));
    })
    .await;
    let browser = Browser::new(&app.base);
    let response = browser.get("/login/upstream/idp").await;
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let html = response.text().await.expect("page");
    assert!(html.contains("idp provider could not be reached") && html.contains("href=\"/login\""), "{html}");
    let unknown = browser.get("/login/upstream/nope").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let callback = browser.get("/login/upstream/idp/callback?code=x&state=y").await;
    assert_eq!(callback.status(), StatusCode::BAD_REQUEST, "no sign-in was started");
}

on_every_backend!(a_callback_counts_once_in_the_browser_that_started_it);
on_every_backend!(of_two_answers_at_once_one_signs_in);
on_every_backend!(the_answer_must_come_from_the_upstream_it_was_started_at);
on_every_backend!(an_upstream_that_is_down_gets_a_clear_page);
