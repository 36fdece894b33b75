//! The upstream's second factor and ours: a sign-in through an upstream is `fed`; with
//! two-step verification on here our code is still asked (`fed otp mfa`), unless the
//! upstream says it used a second factor and is trusted for it (`trust_mfa`), when the
//! sign-in counts as `fed mfa` and `acr_values=mfa` is satisfied without ours.

use serde_json::json;

use crate::{
    common::{Backend, browser::hidden_field, upstream::follow_all},
    mfa::{code, enrol, signed_in_browser},
    on_every_backend,
    upstream_pair::{
        Attempt, Pair, attempt, attempt_in, callback_from_upstream, id_token_claims, pair, upstream_person,
    },
};

/// Turns two-step verification on for `email` at the upstream: its secret.
async fn upstream_mfa(pair: &Pair, email: &str) -> String {
    upstream_person(pair, email, true).await;
    enrol(&signed_in_browser(&pair.up, email).await).await.0
}

/// The first sign-in of `email` through the upstream, with its code there, for a request
/// with `extra` parameters: the account here is made. Returns the id_token's claims and
/// the attempt, whose browser is signed in at both providers.
async fn first_sign_in(pair: &Pair, email: &str, upstream_secret: &str, extra: &str) -> (serde_json::Value, Attempt) {
    let first = attempt(pair, extra).await;
    let upstream_code = code(upstream_secret, 1);
    let callback = callback_from_upstream(pair, &first.browser, &first.req, email, Some(&upstream_code)).await;
    let (_, back) = follow_all(&first.browser, first.browser.get(&callback).await).await;
    (id_token_claims(&first, &back.expect("signed in")).await, first)
}

/// Asks again with `acr_values=mfa` and a fresh sign-in, in the browser signed in at the
/// upstream still: it sends the browser straight back.
async fn again_with_mfa(pair: &Pair, first: Attempt, email: &str) -> (reqwest::Response, Option<String>, Attempt) {
    let again = attempt_in(pair, first.browser, "&acr_values=mfa&prompt=login").await;
    let callback = callback_from_upstream(pair, &again.browser, &again.req, email, None).await;
    let (page, back) = follow_all(&again.browser, again.browser.get(&callback).await).await;
    (page, back, again)
}

async fn an_untrusted_upstreams_second_factor_does_not_count_here(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    let upstream_secret = upstream_mfa(&pair, "mia@example.org").await;
    let (claims, first) = first_sign_in(&pair, "mia@example.org", &upstream_secret, "").await;
    assert_eq!((&claims["amr"], &claims["acr"]), (&json!(["fed"]), &json!("pwd")), "the upstream's mfa is not ours");

    let (our_secret, _, _) = enrol(&first.browser).await;
    let (page, back, again) = again_with_mfa(&pair, first, "mia@example.org").await;
    assert!(back.is_none(), "our second step first");
    let html = page.text().await.expect("code page");
    assert!(html.contains("name=\"code\""), "{html}");
    let (our_code, csrf) = (code(&our_secret, 1), hidden_field(&html, "csrf"));
    let form = [("code", our_code.as_str()), ("csrf", csrf.as_str())];
    let (_, back) = follow_all(&again.browser, again.browser.post_form("/login/mfa", &form).await).await;
    let claims = id_token_claims(&again, &back.expect("back at the client")).await;
    assert_eq!((&claims["amr"], &claims["acr"]), (&json!(["fed", "otp", "mfa"]), &json!("mfa")));
}

async fn a_trusted_upstreams_second_factor_counts_as_ours(backend: Backend) {
    let pair = pair(backend, |entry| entry.trust_mfa = true).await;
    let upstream_secret = upstream_mfa(&pair, "max@example.org").await;
    let (claims, first) = first_sign_in(&pair, "max@example.org", &upstream_secret, "&acr_values=mfa").await;
    assert_eq!((&claims["amr"], &claims["acr"]), (&json!(["fed", "mfa"]), &json!("mfa")));

    // Two-step verification on here too: the upstream's second factor stands for ours.
    enrol(&first.browser).await;
    let (_, back, again) = again_with_mfa(&pair, first, "max@example.org").await;
    let claims = id_token_claims(&again, &back.expect("no code asked here")).await;
    assert_eq!((&claims["amr"], &claims["acr"]), (&json!(["fed", "mfa"]), &json!("mfa")));
}

on_every_backend!(an_untrusted_upstreams_second_factor_does_not_count_here);
on_every_backend!(a_trusted_upstreams_second_factor_counts_as_ours);
