//! Races: a code presented many times at once is honoured once, and different refresh
//! tokens rotated at once are each honoured (one token presented many times at once gets
//! one successor for all: see `refresh_retry`).

use futures_util::future::join_all;
use openidconnect::OAuth2TokenResponse;

use crate::{
    common::{Backend, RP_SECRET, TestApp, code_exchange_form, signed_in_code, token_request},
    on_every_backend,
};

async fn concurrent_code_exchanges_succeed_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("race@example.org").await;
    let (_, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "race@example.org", &["openid"]).await;
    let verifier = request.verifier.secret().clone();
    let form = code_exchange_form(&code, &verifier);
    let responses = join_all((0..10).map(|_| token_request(&app, ("rp", RP_SECRET), &form))).await;
    let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 200 || *s == 400), "{statuses:?}");
}
on_every_backend!(concurrent_code_exchanges_succeed_once);

async fn concurrent_refreshes_of_different_tokens_each_succeed(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("many@example.org").await;
    let mut issued = Vec::new();
    for _ in 0..6 {
        let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "many@example.org", &["openid"]).await;
        let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
        issued.push(tokens.refresh_token().expect("refresh").secret().clone());
    }
    // Rotated at once, so they may share a commit; the first token comes twice.
    let presented: Vec<&String> = issued.iter().chain(&issued[..1]).collect();
    let responses = join_all(presented.iter().map(|token| rotate(&app, token))).await;
    let (first, others) = ([&responses[0], &responses[6]], &responses[1..6]);
    assert!(first[0].is_some() && first[0] == first[1], "the twice-presented token rotates to one successor");
    for rotated in others.iter().chain([first[0]]) {
        let rotated = rotated.as_ref().expect("a token of its own rotates");
        assert!(rotate(&app, rotated).await.is_some(), "its successor rotates too");
    }
}
on_every_backend!(concurrent_refreshes_of_different_tokens_each_succeed);

/// The successor of refresh token `token`, or `None` when the rotation is refused.
async fn rotate(app: &TestApp, token: &str) -> Option<String> {
    let response =
        token_request(app, ("rp", RP_SECRET), &[("grant_type", "refresh_token"), ("refresh_token", token)]).await;
    if response.status() != 200 {
        assert_eq!(response.status(), 400);
        return None;
    }
    let body: serde_json::Value = response.json().await.expect("json");
    Some(body["refresh_token"].as_str().expect("rotated").to_owned())
}
