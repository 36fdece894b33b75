//! DPoP (RFC 9449): a token request with a proof gets tokens bound to the proof's key
//! (`token_type: DPoP`, `cnf.jkt`), which are then of use only with a fresh proof of
//! that key for each request, at `/userinfo` and at every /api/v1 route. A public
//! client's refresh token is bound too. Every malformed, replayed or misdirected proof
//! is refused and issues nothing.

use std::collections::HashSet;

use aws_lc_rs::rsa::KeySize;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use mana_auth::config::RegistrationMode;
use reqwest::{RequestBuilder, StatusCode};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, SERVICE_SECRET, TestApp, claims_of, code_exchange_form,
        dpop::{DpopKey, ProofFor, now},
        introspect, signed_in_code,
    },
    on_every_backend,
};

/// A form posted to `/token` with `proofs` as DPoP headers, as `client` (public when it
/// has no secret).
async fn token_with(
    app: &TestApp,
    client: (&str, Option<&str>),
    form: &[(&str, &str)],
    proofs: &[&str],
) -> reqwest::Response {
    let mut form = form.to_vec();
    let mut request = reqwest::Client::new().post(app.url("/token"));
    match client.1 {
        Some(secret) => request = request.basic_auth(client.0, Some(secret)),
        None => form.push(("client_id", client.0)),
    }
    for proof in proofs {
        request = request.header("DPoP", *proof);
    }
    request.form(&form).send().await.expect("token request")
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    (response.status(), response.json().await.expect("json"))
}

/// A GET of `path` with `authorization` and, when given, a DPoP proof.
fn get_with(app: &TestApp, path: &str, authorization: &str, proof: Option<&str>) -> RequestBuilder {
    let request = reqwest::Client::new().get(app.url(path)).header("Authorization", authorization);
    match proof {
        Some(proof) => request.header("DPoP", proof),
        None => request,
    }
}

fn challenge(response: &reqwest::Response) -> String {
    response.headers().get("www-authenticate").map(|v| v.to_str().expect("ascii").to_owned()).unwrap_or_default()
}

/// Signs in through the public `spa` client and redeems the code with a proof of `key`.
async fn spa_tokens(app: &TestApp, key: &DpopKey, email: &str) -> Value {
    app.user(email).await;
    let (_, request, code, _) = signed_in_code(app, "spa", None, email, &["openid", "email", "credits"]).await;
    let proof = key.proof("POST", &app.url("/token"), None);
    let form = code_exchange_form(&code, request.verifier.secret());
    let (status, tokens) = answer(token_with(app, ("spa", None), &form, &[&proof]).await).await;
    assert_eq!(status, 200, "{tokens}");
    tokens
}

async fn a_proof_binds_the_tokens_and_userinfo_asks_for_the_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let discovery: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(discovery["dpop_signing_alg_values_supported"], json!(["EdDSA", "ES256", "RS256"]));

    let key = DpopKey::ed25519();
    let tokens = spa_tokens(&app, &key, "dpop@example.org").await;
    assert_eq!(tokens["token_type"], "DPoP");
    let access = tokens["access_token"].as_str().expect("access token");
    assert_eq!(claims_of(access)["cnf"]["jkt"], key.jkt());
    let userinfo = app.url("/userinfo");

    let proof = key.proof("GET", &userinfo, Some(access));
    let ok = get_with(&app, "/userinfo", &format!("DPoP {access}"), Some(&proof)).send().await.expect("userinfo");
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.expect("json")["email"], "dpop@example.org");

    // The same proof again is a replay.
    let replay = get_with(&app, "/userinfo", &format!("DPoP {access}"), Some(&proof)).send().await.expect("userinfo");
    assert_eq!(replay.status(), 401);
    assert!(challenge(&replay).starts_with(r#"DPoP error="invalid_dpop_proof""#), "{}", challenge(&replay));

    let other = DpopKey::ed25519();
    let refusals = [
        ("as a bearer token", format!("Bearer {access}"), None, "invalid_token"),
        ("without a proof", format!("DPoP {access}"), None, "invalid_dpop_proof"),
        (
            "proof for POST",
            format!("DPoP {access}"),
            Some(key.proof("POST", &userinfo, Some(access))),
            "invalid_dpop_proof",
        ),
        (
            "proof for another URL",
            format!("DPoP {access}"),
            Some(key.proof("GET", &app.url("/token"), Some(access))),
            "invalid_dpop_proof",
        ),
        ("proof without ath", format!("DPoP {access}"), Some(key.proof("GET", &userinfo, None)), "invalid_dpop_proof"),
        (
            "proof for another token",
            format!("DPoP {access}"),
            Some(key.proof("GET", &userinfo, Some("other"))),
            "invalid_dpop_proof",
        ),
        (
            "proof of another key",
            format!("DPoP {access}"),
            Some(other.proof("GET", &userinfo, Some(access))),
            "invalid_token",
        ),
    ];
    for (case, authorization, proof, code) in refusals {
        let response = get_with(&app, "/userinfo", &authorization, proof.as_deref()).send().await.expect("userinfo");
        assert_eq!(response.status(), 401, "{case}");
        let challenge = challenge(&response);
        assert!(challenge.starts_with(&format!(r#"DPoP error="{code}""#)), "{case}: {challenge}");
        assert!(challenge.contains(r#"algs="EdDSA ES256 RS256""#), "{case}: {challenge}");
    }

    // A resource server learns the binding by introspection (RFC 9449 §6.2).
    let described = introspect(&app, access).await;
    assert_eq!(described["active"], true);
    assert_eq!(described["token_type"], "DPoP");
    assert_eq!(described["cnf"]["jkt"], key.jkt());
}
on_every_backend!(a_proof_binds_the_tokens_and_userinfo_asks_for_the_key);

async fn a_public_clients_refresh_token_is_bound_to_its_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = DpopKey::p256();
    let tokens = spa_tokens(&app, &key, "refresh@example.org").await;
    let refresh = tokens["refresh_token"].as_str().expect("refresh token");
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh)];
    let token_url = app.url("/token");

    let (status, body) = answer(token_with(&app, ("spa", None), &form, &[]).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "no proof");
    let stranger = DpopKey::ed25519();
    let (status, body) =
        answer(token_with(&app, ("spa", None), &form, &[&stranger.proof("POST", &token_url, None)]).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_grant")), "another key");

    let (status, rotated) =
        answer(token_with(&app, ("spa", None), &form, &[&key.proof("POST", &token_url, None)]).await).await;
    assert_eq!(status, 200, "{rotated}");
    assert_eq!(rotated["token_type"], "DPoP");
    assert_eq!(claims_of(rotated["access_token"].as_str().expect("access"))["cnf"]["jkt"], key.jkt());
    // The successor stays bound.
    let next = rotated["refresh_token"].as_str().expect("refresh token");
    let form = [("grant_type", "refresh_token"), ("refresh_token", next)];
    let (status, _) =
        answer(token_with(&app, ("spa", None), &form, &[&stranger.proof("POST", &token_url, None)]).await).await;
    assert_eq!(status, 400, "the successor is bound to the same key");
}
on_every_backend!(a_public_clients_refresh_token_is_bound_to_its_key);

async fn every_api_route_asks_for_a_proof_of_the_key(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = DpopKey::ed25519();
    let tokens = spa_tokens(&app, &key, "api@example.org").await;
    let access = tokens["access_token"].as_str().expect("access token");
    let balance = "/api/v1/credits/balance";

    let proof = key.proof("GET", &app.url(balance), Some(access));
    let ok = get_with(&app, balance, &format!("DPoP {access}"), Some(&proof)).send().await.expect("balance");
    assert_eq!(ok.status(), 200);

    let bearer = get_with(&app, balance, &format!("Bearer {access}"), None).send().await.expect("balance");
    assert_eq!(bearer.status(), 401);
    assert!(challenge(&bearer).starts_with(r#"DPoP error="invalid_token""#), "{}", challenge(&bearer));
    assert_eq!(bearer.json::<Value>().await.expect("json")["error"], "invalid_token");

    let misdirected = key.proof("GET", &app.url("/api/v1/auth/me"), Some(access));
    let refused = get_with(&app, balance, &format!("DPoP {access}"), Some(&misdirected)).send().await.expect("balance");
    assert_eq!(refused.status(), 401);
    assert_eq!(refused.json::<Value>().await.expect("json")["error"], "invalid_dpop_proof");

    // A route the token's scopes do not open answers in the token's scheme.
    let me = "/api/v1/auth/me";
    let proof = key.proof("GET", &app.url(me), Some(access));
    let forbidden = get_with(&app, me, &format!("DPoP {access}"), Some(&proof)).send().await.expect("me");
    assert_eq!(forbidden.status(), 403);
    assert_eq!(challenge(&forbidden), r#"DPoP error="insufficient_scope", scope="account""#);

    // Without a token, both schemes are offered.
    let anonymous = reqwest::get(app.url(balance)).await.expect("balance");
    assert_eq!(anonymous.status(), 401);
    let offered: Vec<&str> =
        anonymous.headers().get_all("www-authenticate").iter().map(|v| v.to_str().expect("ascii")).collect();
    assert!(
        offered.iter().any(|c| c.starts_with("Bearer")) && offered.iter().any(|c| c.starts_with("DPoP")),
        "{offered:?}"
    );
}
on_every_backend!(every_api_route_asks_for_a_proof_of_the_key);

async fn proofs_of_each_algorithm_bind_client_credentials_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let form = [("grant_type", "client_credentials")];
    for key in [DpopKey::ed25519(), DpopKey::p256(), DpopKey::rsa(KeySize::Rsa2048)] {
        let proof = key.proof("POST", &app.url("/token"), None);
        let (status, tokens) =
            answer(token_with(&app, ("service", Some(SERVICE_SECRET)), &form, &[&proof]).await).await;
        assert_eq!(status, 200, "{}: {tokens}", key.alg);
        assert_eq!(tokens["token_type"], "DPoP", "{}", key.alg);
        assert_eq!(claims_of(tokens["access_token"].as_str().expect("access"))["cnf"]["jkt"], key.jkt(), "{}", key.alg);
    }
    // Without a proof, a bearer token as before.
    let (status, tokens) = answer(token_with(&app, ("service", Some(SERVICE_SECRET)), &form, &[]).await).await;
    assert_eq!((status, tokens["token_type"].as_str()), (StatusCode::OK, Some("Bearer")));
    assert!(claims_of(tokens["access_token"].as_str().expect("access")).get("cnf").is_none());
}
on_every_backend!(proofs_of_each_algorithm_bind_client_credentials_tokens);

async fn malformed_and_misdirected_proofs_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = DpopKey::ed25519();
    let other = DpopKey::p256();
    let good = || ProofFor { htm: "POST", htu: app.url("/token"), access_token: None, nonce: None };
    let altered = |change: &dyn Fn(&mut Value, &mut Value)| {
        let (mut header, mut claims) = key.parts(&good());
        change(&mut header, &mut claims);
        key.sign(&header, &claims)
    };
    let good_proof = key.proof_for(&good());
    let (signing_input, _) = good_proof.rsplit_once('.').expect("jws");
    let tampered = |proof: &str| {
        let parts: Vec<&str> = proof.split('.').collect();
        let mut claims = claims_of(proof);
        claims["jti"] = json!("another");
        format!("{}.{}.{}", parts[0], URL_SAFE_NO_PAD.encode(claims.to_string()), parts[2])
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("not a JWT", vec!["not-a-jwt".into()]),
        ("wrong typ", vec![altered(&|h, _| h["typ"] = json!("JWT"))]),
        ("no typ", vec![altered(&|h, _| drop(h.as_object_mut().expect("header").remove("typ")))]),
        ("alg none", vec![format!("{signing_input}.")]),
        ("alg HS256", vec![altered(&|h, _| h["alg"] = json!("HS256"))]),
        ("alg of another key type", vec![altered(&|h, _| h["alg"] = json!("ES256"))]),
        ("no jwk", vec![altered(&|h, _| drop(h.as_object_mut().expect("header").remove("jwk")))]),
        ("private key in jwk", vec![altered(&|h, _| h["jwk"]["d"] = json!("AAAA"))]),
        ("jwk of another key", vec![altered(&|h, _| h["jwk"] = other.jwk.clone())]),
        ("htm GET", vec![altered(&|_, c| c["htm"] = json!("GET"))]),
        ("htu of another endpoint", vec![altered(&|_, c| c["htu"] = json!(app.url("/userinfo")))]),
        ("htu of another host", vec![altered(&|_, c| c["htu"] = json!("https://evil.example/token"))]),
        ("iat too old", vec![altered(&|_, c| c["iat"] = json!(now() - 600))]),
        ("iat in the future", vec![altered(&|_, c| c["iat"] = json!(now() + 600))]),
        ("no jti", vec![altered(&|_, c| drop(c.as_object_mut().expect("claims").remove("jti")))]),
        ("tampered claims", vec![tampered(&good_proof)]),
        ("two proofs", vec![key.proof_for(&good()), key.proof_for(&good())]),
    ];
    let form = [("grant_type", "client_credentials")];
    for (case, proofs) in cases {
        let proofs: Vec<&str> = proofs.iter().map(String::as_str).collect();
        let (status, body) = answer(token_with(&app, ("service", Some(SERVICE_SECRET)), &form, &proofs).await).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")),
            "{case}: {body}"
        );
    }

    // A proof is accepted once.
    let proof = key.proof_for(&good());
    let (status, _) = answer(token_with(&app, ("service", Some(SERVICE_SECRET)), &form, &[&proof]).await).await;
    assert_eq!(status, 200);
    let (status, body) = answer(token_with(&app, ("service", Some(SERVICE_SECRET)), &form, &[&proof]).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")), "replayed");
}
on_every_backend!(malformed_and_misdirected_proofs_are_refused);

async fn one_proof_sent_at_once_eight_times_issues_one_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let key = DpopKey::ed25519();
    let proof = key.proof("POST", &app.url("/token"), None);
    let form = [("grant_type", "client_credentials")];
    let proofs = [proof.as_str()];
    let requests = (0..8).map(|_| token_with(&app, ("service", Some(SERVICE_SECRET)), &form, &proofs));
    let statuses: Vec<u16> =
        futures_util::future::join_all(requests).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 7, "{statuses:?}");
}
on_every_backend!(one_proof_sent_at_once_eight_times_issues_one_token);

async fn server_nonces_are_asked_for_when_configured(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.oauth.require_dpop_nonce = true).await;
    let key = DpopKey::ed25519();
    let form = [("grant_type", "client_credentials")];
    let client = ("service", Some(SERVICE_SECRET));
    let with_nonce = |nonce: Option<&str>| {
        key.proof_for(&ProofFor { htm: "POST", htu: app.url("/token"), access_token: None, nonce })
    };

    let first = token_with(&app, client, &form, &[&with_nonce(None)]).await;
    let nonce = first.headers().get("dpop-nonce").expect("a nonce is given").to_str().expect("ascii").to_owned();
    let (status, body) = answer(first).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("use_dpop_nonce")));

    let (status, body) = answer(token_with(&app, client, &form, &[&with_nonce(Some("made-up"))]).await).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (StatusCode::BAD_REQUEST, Some("use_dpop_nonce")),
        "a nonce not given"
    );

    let retried = token_with(&app, client, &form, &[&with_nonce(Some(&nonce))]).await;
    assert!(retried.headers().contains_key("dpop-nonce"), "the next nonce comes with the answer");
    let (status, tokens) = answer(retried).await;
    assert_eq!((status, tokens["token_type"].as_str()), (StatusCode::OK, Some("DPoP")), "{tokens}");
}
on_every_backend!(server_nonces_are_asked_for_when_configured);

async fn a_client_registered_for_dpop_must_send_proofs(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.clients.iter_mut().filter(|c| c.id == "service").for_each(|c| c.dpop_bound_access_tokens = true);
    })
    .await;
    let form = [("grant_type", "client_credentials")];
    let client = ("service", Some(SERVICE_SECRET));
    let (status, body) = answer(token_with(&app, client, &form, &[]).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")), "{body}");
    let key = DpopKey::ed25519();
    let (status, tokens) =
        answer(token_with(&app, client, &form, &[&key.proof("POST", &app.url("/token"), None)]).await).await;
    assert_eq!((status, tokens["token_type"].as_str()), (StatusCode::OK, Some("DPoP")));

    // Distinct proofs of one key each work once: the replay cache is per proof.
    let seen: HashSet<String> = (0..3).map(|_| key.proof("POST", &app.url("/token"), None)).collect();
    for proof in &seen {
        let (status, _) = answer(token_with(&app, client, &form, &[proof]).await).await;
        assert_eq!(status, 200);
    }
}
on_every_backend!(a_client_registered_for_dpop_must_send_proofs);

async fn a_self_registered_client_may_ask_to_always_use_dpop(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.registration.mode = RegistrationMode::Open).await;
    let metadata = json!({
        "grant_types": ["client_credentials"],
        "token_endpoint_auth_method": "client_secret_basic",
        "dpop_bound_access_tokens": true,
    });
    let response = reqwest::Client::new().post(app.url("/register")).json(&metadata).send().await.expect("register");
    assert_eq!(response.status(), 201);
    let registered: Value = response.json().await.expect("json");
    assert_eq!(registered["dpop_bound_access_tokens"], true);
    let id = registered["client_id"].as_str().expect("client_id");
    let client = (id, registered["client_secret"].as_str());
    let form = [("grant_type", "client_credentials")];
    let (status, body) = answer(token_with(&app, client, &form, &[]).await).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_dpop_proof")), "{body}");
    let proof = DpopKey::ed25519().proof("POST", &app.url("/token"), None);
    let (status, tokens) = answer(token_with(&app, client, &form, &[&proof]).await).await;
    assert_eq!((status, tokens["token_type"].as_str()), (StatusCode::OK, Some("DPoP")), "{tokens}");
}
on_every_backend!(a_self_registered_client_may_ask_to_always_use_dpop);
