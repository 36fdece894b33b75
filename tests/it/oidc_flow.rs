//! The whole code flow as a relying party sees it: discovery, sign-in, code, tokens
//! verified against the JWKS, userinfo, refresh rotation and reuse, logout.

use jsonwebtoken::{Algorithm, DecodingKey, Validation, jwk::JwkSet};
use openidconnect::{
    AccessTokenHash, OAuth2TokenResponse, TokenResponse,
    core::{CoreJwsSigningAlgorithm, CoreUserInfoClaims},
};
use serde_json::Value;

use crate::{
    common::{
        Backend, PASSWORD, RP_LOGGED_OUT, RP_SECRET, TestApp,
        browser::{Browser, query_param},
        rp::RelyingParty,
    },
    on_every_backend,
};

/// Verifies an access token as a resource server: nothing but the published key set.
pub async fn verify_with_jwks(app: &TestApp, token: &str) -> Value {
    let jwks: JwkSet = reqwest::get(app.url("/.well-known/jwks.json")).await.expect("jwks").json().await.expect("json");
    let header = jsonwebtoken::decode_header(token).expect("header");
    assert_eq!(header.alg, Algorithm::EdDSA);
    assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    let jwk = jwks.find(header.kid.as_deref().expect("kid")).expect("kid is published");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&[&app.base]);
    validation.set_audience(&[&app.base]);
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).expect("key"), &validation).expect("valid").claims
}

async fn code_flow_signs_in_and_tokens_verify_against_jwks(backend: Backend) {
    // The refresh token is reused right after its rotation: no grace for retries (see `refresh_retry`).
    let app = TestApp::spawn_with(backend, |c| c.tokens.refresh_retry_secs = 0).await;
    let user = app.user("ada@example.org").await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let browser = Browser::new(&app.base);

    let request = rp.authorize(&["openid", "email", "profile"]);
    let callback = browser.authorize_and_sign_in(&request.url, "Ada@Example.org", PASSWORD).await;
    assert_eq!(query_param(&callback, "state").as_deref(), Some(request.state.secret().as_str()));
    assert_eq!(query_param(&callback, "iss").as_deref(), Some(app.base.as_str()));
    let code = query_param(&callback, "code").expect("code");

    let tokens = rp.exchange(&code, request.verifier).await.expect("code exchange");
    let verifier = rp.verifier_for(CoreJwsSigningAlgorithm::EdDsa);
    let id_token = tokens.id_token().expect("id_token");
    let claims = id_token.claims(&verifier, &request.nonce).expect("id_token verifies against the JWKS");
    assert_eq!(claims.subject().as_str(), user.id);
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@example.org"));
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("ada"));
    assert!(claims.auth_time().is_some());
    let expected_hash = AccessTokenHash::from_token(
        tokens.access_token(),
        id_token.signing_alg().expect("alg"),
        id_token.signing_key(&verifier).expect("key"),
    )
    .expect("hash");
    assert_eq!(claims.access_token_hash(), Some(&expected_hash));

    let access = verify_with_jwks(&app, tokens.access_token().secret()).await;
    assert_eq!(access["sub"], user.id.as_str());
    assert_eq!(access["client_id"], "rp");
    assert_eq!(access["scope"], "openid email profile");
    assert!(access["sid"].is_string() && access["jti"].is_string());

    let info: CoreUserInfoClaims = rp
        .client
        .user_info(tokens.access_token().clone(), None)
        .expect("userinfo endpoint")
        .request_async(&rp.http)
        .await
        .expect("userinfo");
    assert_eq!(info.subject().as_str(), user.id);
    assert_eq!(info.email().map(|e| e.as_str()), Some("ada@example.org"));

    // Refresh rotates; the old token presented again revokes the whole family.
    let first_refresh = tokens.refresh_token().expect("refresh token").clone();
    let rotated = rp
        .client
        .exchange_refresh_token(&first_refresh)
        .expect("endpoint")
        .request_async(&rp.http)
        .await
        .expect("refresh");
    let second_refresh = rotated.refresh_token().expect("rotated refresh token").clone();
    assert_ne!(second_refresh.secret(), first_refresh.secret());
    let reuse = rp.client.exchange_refresh_token(&first_refresh).expect("endpoint").request_async(&rp.http).await;
    assert!(reuse.is_err(), "a used refresh token must be refused");
    let after_reuse =
        rp.client.exchange_refresh_token(&second_refresh).expect("endpoint").request_async(&rp.http).await;
    assert!(after_reuse.is_err(), "reuse must revoke the rest of the family");
    let userinfo_after =
        rp.http.get(app.url("/userinfo")).bearer_auth(rotated.access_token().secret()).send().await.expect("userinfo");
    assert_eq!(userinfo_after.status(), 401, "an access token of a revoked family is refused");
}
on_every_backend!(code_flow_signs_in_and_tokens_verify_against_jwks);

async fn logout_ends_session_and_notifies_the_back_channel(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user("grace@example.org").await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let browser = Browser::new(&app.base);
    let request = rp.authorize(&["openid"]);
    let callback = browser.authorize_and_sign_in(&request.url, "grace@example.org", PASSWORD).await;
    let tokens = rp.exchange(&query_param(&callback, "code").expect("code"), request.verifier).await.expect("tokens");
    let id_token = tokens.id_token().expect("id_token").to_string();
    let refresh = tokens.refresh_token().expect("refresh").clone();
    let sid = verify_with_jwks(&app, tokens.access_token().secret()).await["sid"].as_str().expect("sid").to_owned();

    let logout = format!(
        "/logout?id_token_hint={id_token}&post_logout_redirect_uri={}&state=bye",
        url::form_urlencoded::byte_serialize(RP_LOGGED_OUT.as_bytes()).collect::<String>()
    );
    let response = browser.get(&logout).await;
    assert_eq!(response.status(), 303);
    let location = crate::common::browser::location(&response);
    assert!(location.starts_with(RP_LOGGED_OUT), "{location}");
    assert_eq!(query_param(&location, "state").as_deref(), Some("bye"));

    // The session is over: refresh and userinfo fail, the browser must sign in again.
    assert!(rp.client.exchange_refresh_token(&refresh).expect("endpoint").request_async(&rp.http).await.is_err());
    let userinfo =
        rp.http.get(app.url("/userinfo")).bearer_auth(tokens.access_token().secret()).send().await.expect("userinfo");
    assert_eq!(userinfo.status(), 401);
    let again = browser.get(&rp.authorize(&["openid"]).url).await;
    assert!(crate::common::browser::location(&again).starts_with("/login"));

    // The back channel got a logout token for that session, signed and shaped per spec.
    let mut token = None;
    for _ in 0..50 {
        token = app.logout_tokens.lock().await.first().cloned();
        if token.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let token = token.expect("logout token delivered");
    let header = jsonwebtoken::decode_header(&token).expect("header");
    assert_eq!(header.typ.as_deref(), Some("logout+jwt"));
    let jwks: JwkSet = reqwest::get(app.url("/.well-known/jwks.json")).await.expect("jwks").json().await.expect("json");
    let key = DecodingKey::from_jwk(jwks.find(header.kid.as_deref().expect("kid")).expect("published")).expect("key");
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[&app.base]);
    validation.set_audience(&["rp"]);
    let claims = jsonwebtoken::decode::<Value>(&token, &key, &validation).expect("logout token verifies").claims;
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["sid"], sid.as_str());
    assert!(claims["events"]["http://schemas.openid.net/event/backchannel-logout"].is_object());
    assert!(claims["jti"].is_string() && claims.get("nonce").is_none());
}
on_every_backend!(logout_ends_session_and_notifies_the_back_channel);
