//! Authorization codes bound to a DPoP key (RFC 9449 §10): named by `dpop_jkt` at
//! `/authorize`, or by the proof sent with a pushed request (§10.1); such a code is
//! redeemed only with a proof of that key, and a failed attempt leaves it unused.

use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    common::{
        Backend, PASSWORD, RP_REDIRECT, RP_SECRET, TestApp,
        browser::{Browser, location, query_param},
        claims_of,
        dpop::DpopKey,
        rp::RelyingParty,
    },
    on_every_backend,
};

/// Redeems `code` as the confidential `rp`, with `proof` as the DPoP header when given.
async fn redeem(app: &TestApp, code: &str, verifier: &str, proof: Option<&str>) -> (StatusCode, Value) {
    let form = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", RP_REDIRECT),
        ("code_verifier", verifier),
    ];
    let mut request = reqwest::Client::new().post(app.url("/token")).basic_auth("rp", Some(RP_SECRET)).form(&form);
    if let Some(proof) = proof {
        request = request.header("DPoP", proof);
    }
    let response = request.send().await.expect("token");
    (response.status(), response.json().await.expect("json"))
}

/// Checks that `code` is refused without a proof and with another key's, then taken
/// with a proof of `key`, and that the tokens are bound to it.
async fn only_the_key_redeems(app: &TestApp, key: &DpopKey, code: &str, verifier: &str) {
    let token_url = app.url("/token");
    for (case, proof) in [("no proof", None), ("another key", Some(DpopKey::p256().proof("POST", &token_url, None)))] {
        let (status, body) = redeem(app, code, verifier, proof.as_deref()).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_grant")),
            "{case}: {body}"
        );
    }
    let (status, tokens) = redeem(app, code, verifier, Some(&key.proof("POST", &token_url, None))).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(claims_of(tokens["access_token"].as_str().expect("access"))["cnf"]["jkt"], key.jkt());
}

async fn a_code_asked_for_a_key_is_redeemed_only_with_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("jkt@example.org").await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let key = DpopKey::ed25519();
    let request = rp.authorize(&["openid"]);
    let browser = Browser::new(&app.base);
    let url = format!("{}&dpop_jkt={}", request.url, key.jkt());
    let callback = browser.authorize_and_sign_in(&url, "jkt@example.org", PASSWORD).await;
    let code = query_param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    only_the_key_redeems(&app, &key, &code, request.verifier.secret()).await;

    // A dpop_jkt that is no thumbprint is refused at once.
    let malformed = format!("{}&dpop_jkt=not-a-thumbprint", rp.authorize(&["openid"]).url);
    let refused = browser.get(&malformed).await;
    let to = location(&refused);
    assert_eq!(query_param(&to, "error").as_deref(), Some("invalid_request"), "{to}");
}
on_every_backend!(a_code_asked_for_a_key_is_redeemed_only_with_it);

async fn a_proof_sent_with_a_pushed_request_binds_its_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("pushed@example.org").await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let key = DpopKey::ed25519();
    let request = rp.authorize(&["openid"]);
    let params: Vec<(String, String)> =
        url::Url::parse(&request.url).expect("url").query_pairs().into_owned().collect();
    let push = |proof: String, extra: Option<(String, String)>| {
        let mut form = params.clone();
        form.extend(extra);
        reqwest::Client::new()
            .post(app.url("/par"))
            .basic_auth("rp", Some(RP_SECRET))
            .header("DPoP", proof)
            .form(&form)
            .send()
    };

    let other = DpopKey::p256();
    let mismatched = push(key.proof("POST", &app.url("/par"), None), Some(("dpop_jkt".into(), other.jkt()))).await;
    let mismatched = mismatched.expect("par");
    assert_eq!(mismatched.status(), 400);
    assert_eq!(mismatched.json::<Value>().await.expect("json")["error"], "invalid_dpop_proof");
    let misdirected = push(key.proof("POST", &app.url("/token"), None), None).await.expect("par");
    assert_eq!(misdirected.status(), 400, "a proof for another endpoint");

    let pushed = push(key.proof("POST", &app.url("/par"), None), None).await.expect("par");
    assert_eq!(pushed.status(), 201);
    let pushed: Value = pushed.json().await.expect("json");
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("client_id", "rp"), ("request_uri", pushed["request_uri"].as_str().expect("request_uri"))])
        .finish();
    let browser = Browser::new(&app.base);
    let callback =
        browser.authorize_and_sign_in(&app.url(&format!("/authorize?{query}")), "pushed@example.org", PASSWORD).await;
    let code = query_param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    only_the_key_redeems(&app, &key, &code, request.verifier.secret()).await;
}
on_every_backend!(a_proof_sent_with_a_pushed_request_binds_its_code);
