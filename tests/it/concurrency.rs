//! Races: a code or refresh token presented many times at once is honoured once, and
//! different tokens rotated at once are each honoured.

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

async fn concurrent_refreshes_succeed_once_and_revoke_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("race2@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "race2@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let refresh = tokens.refresh_token().expect("refresh").secret().clone();
    let responses = join_all((0..10).map(|_| rotate(&app, &refresh))).await;
    let winners: Vec<String> = responses.into_iter().flatten().collect();
    assert_eq!(winners.len(), 1, "exactly one rotation wins");
    // The losers presented a used token: reuse revoked the family, the winner's token too.
    assert_eq!(rotate(&app, &winners[0]).await, None);
}
on_every_backend!(concurrent_refreshes_succeed_once_and_revoke_the_family);

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
    assert_eq!(first.iter().filter(|r| r.is_some()).count(), 1, "the twice-presented token rotates once");
    // Its replay revoked its family; every other family rotates on.
    let first_winner = first.iter().find_map(|r| r.as_ref()).expect("one winner");
    assert_eq!(rotate(&app, first_winner).await, None);
    for rotated in others {
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
