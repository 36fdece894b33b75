//! Discovery and the published key set, as clients and resource servers read them.

use openidconnect::core::CoreJwsSigningAlgorithm;
use serde_json::Value;

use crate::{
    common::{Backend, RP_SECRET, TestApp, rp::RelyingParty},
    on_every_backend,
};

async fn discovery_announces_what_clients_need(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let algs = rp.metadata.id_token_signing_alg_values_supported();
    assert_eq!(algs, &vec![CoreJwsSigningAlgorithm::EdDsa, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256]);

    let raw: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(raw["issuer"], app.base.as_str());
    assert_eq!(raw["code_challenge_methods_supported"], serde_json::json!(["S256"]));
    assert_eq!(raw["authorization_response_iss_parameter_supported"], true);
    assert_eq!(raw["backchannel_logout_supported"], true);
    assert_eq!(raw["backchannel_logout_session_supported"], true);
    assert_eq!(raw["end_session_endpoint"], app.url("/logout").as_str());
    assert_eq!(
        raw["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert!(raw["revocation_endpoint"].is_string() && raw["introspection_endpoint"].is_string());
    assert_eq!(raw["id_token_signing_alg_values_supported"], serde_json::json!(["EdDSA", "RS256"]));
}
on_every_backend!(discovery_announces_what_clients_need);

async fn jwks_publishes_ed25519_and_rsa_keys_with_thumbprint_kids(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = reqwest::get(app.url("/.well-known/jwks.json")).await.expect("get");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert!(response.headers()["cache-control"].to_str().expect("text").contains("max-age"));
    let etag = response.headers()["etag"].clone();
    let jwks: Value = response.json().await.expect("json");
    let keys = jwks["keys"].as_array().expect("keys");
    let ed = keys.iter().find(|k| k["kty"] == "OKP").expect("Ed25519 key");
    assert_eq!(
        (ed["crv"].as_str(), ed["alg"].as_str(), ed["use"].as_str()),
        (Some("Ed25519"), Some("EdDSA"), Some("sig"))
    );
    assert_eq!(ed["kid"].as_str(), Some(mana_auth::keys::thumbprint::okp(ed["x"].as_str().expect("x")).as_str()));
    assert!(ed.get("d").is_none(), "no private part is published");
    let rsa = keys.iter().find(|k| k["kty"] == "RSA").expect("RSA key");
    assert_eq!(rsa["alg"], "RS256");
    assert!(rsa.get("d").is_none() && rsa.get("p").is_none());

    let cached = reqwest::Client::new()
        .get(app.url("/.well-known/jwks.json"))
        .header("if-none-match", etag)
        .send()
        .await
        .expect("get");
    assert_eq!(cached.status(), 304);
}
on_every_backend!(jwks_publishes_ed25519_and_rsa_keys_with_thumbprint_kids);

async fn a_held_document_is_answered_304_without_a_body(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let full = reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get");
    let etag = full.headers()["etag"].clone();
    let cache_control = full.headers()["cache-control"].clone();
    let length: usize = full.headers()["content-length"].to_str().expect("digits").parse().expect("a number");
    assert_eq!(full.headers()["content-type"], "application/json");
    assert_eq!(full.bytes().await.expect("body").len(), length, "the length set up front is the body's");

    let held = reqwest::Client::new()
        .get(app.url("/.well-known/openid-configuration"))
        .header("if-none-match", etag.clone())
        .send()
        .await
        .expect("get");
    assert_eq!(held.status(), 304);
    assert_eq!((&held.headers()["etag"], &held.headers()["cache-control"]), (&etag, &cache_control));
    assert!(held.headers().get("content-type").is_none());
    assert_eq!(held.headers()["x-content-type-options"], "nosniff", "every layer still runs");
    assert!(held.bytes().await.expect("body").is_empty());

    let stale = reqwest::Client::new()
        .get(app.url("/.well-known/openid-configuration"))
        .header("if-none-match", "\"not-this-version\"")
        .send()
        .await
        .expect("get");
    assert_eq!(stale.status(), 200);
}
on_every_backend!(a_held_document_is_answered_304_without_a_body);
