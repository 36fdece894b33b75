//! An upstream's access token kept with `store_tokens`: sealed at rest, handed to the
//! person's applications granted `upstream_tokens` (and to no other), and working at
//! the upstream; each read is a security event.

use openidconnect::OAuth2TokenResponse;

use crate::{
    common::{Backend, browser::Browser},
    on_every_backend,
    upstream_pair::{Attempt, Pair, attempt_for, events, identities, pair, through_upstream, upstream_person},
    upstream_signin::stored_upstream_tokens,
};

/// The relying party's access token for `scopes`, after a sign-in through the upstream.
async fn access_token(pair: &Pair, scopes: &[&str]) -> String {
    let attempt: Attempt = attempt_for(pair, Browser::new(&pair.down.base), scopes, "").await;
    let (_, back) = through_upstream(pair, &attempt, "tia@example.org").await;
    let code = crate::common::browser::query_param(&back.expect("back at the client"), "code").expect("code");
    let verifier = openidconnect::PkceCodeVerifier::new(attempt.request.verifier.secret().clone());
    let tokens = attempt.rp.exchange(&code, verifier).await.expect("tokens");
    tokens.access_token().secret().clone()
}

async fn upstream_token(pair: &Pair, id: &str, bearer: &str) -> reqwest::Response {
    let url = pair.down.url(&format!("/api/v1/auth/upstreams/{id}/token"));
    reqwest::Client::new().get(url).bearer_auth(bearer).send().await.expect("GET")
}

async fn a_kept_upstream_token_reaches_only_applications_granted_it(backend: Backend) {
    let pair = pair(backend, |entry| entry.store_tokens = true).await;
    upstream_person(&pair, "tia@example.org", true).await;

    let granted = access_token(&pair, &["openid", "email", "upstream_tokens"]).await;
    let linked = identities(&pair.down).await;
    assert!(linked[0].tokens.is_some(), "kept");
    assert!(stored_upstream_tokens(&pair.down.db, &pair.up.base).await.is_empty(), "sealed, not in plain text");

    let answer = upstream_token(&pair, "idp", &granted).await;
    assert_eq!(answer.status(), 200);
    assert_eq!(answer.headers()["cache-control"], "no-store");
    let body: serde_json::Value = answer.json().await.expect("json");
    assert_eq!(body["tokenType"].as_str().map(str::to_lowercase).as_deref(), Some("bearer"));
    assert!(body["expiresAt"].is_string());
    // The token is the upstream's own: its userinfo answers to it.
    let userinfo = reqwest::Client::new()
        .get(pair.up.url("/userinfo"))
        .bearer_auth(body["accessToken"].as_str().expect("token"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 200);
    let who: serde_json::Value = userinfo.json().await.expect("json");
    assert_eq!(who["email"], "tia@example.org");
    let read = events(&pair.down, "upstream.token_read").await;
    assert_eq!((read.len(), read[0].client_id.as_deref()), (1, Some("rp")));

    let without = access_token(&pair, &["openid", "email"]).await;
    let refused = upstream_token(&pair, "idp", &without).await;
    assert_eq!(refused.status(), 403, "the scope is needed");
    assert!(refused.headers()["www-authenticate"].to_str().expect("ascii").contains("upstream_tokens"));
    assert_eq!(upstream_token(&pair, "nope", &granted).await.status(), 404);
    assert_eq!(upstream_token(&pair, "idp", "not a token").await.status(), 401);
    assert_eq!(events(&pair.down, "upstream.token_read").await.len(), 1, "refusals read nothing");
}

async fn without_store_tokens_nothing_is_kept_or_handed_out(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "tia@example.org", true).await;
    let granted = access_token(&pair, &["openid", "upstream_tokens"]).await;
    assert!(identities(&pair.down).await[0].tokens.is_none());
    assert_eq!(upstream_token(&pair, "idp", &granted).await.status(), 404);
}

on_every_backend!(a_kept_upstream_token_reaches_only_applications_granted_it);
on_every_backend!(without_store_tokens_nothing_is_kept_or_handed_out);
