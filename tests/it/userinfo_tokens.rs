//! Userinfo refuses every token that is not a live access token we signed:
//! tampered, `alg: none`, HMAC-signed, expired, or the wrong type.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use mana_auth::config::SigningAlg;
use openidconnect::{OAuth2TokenResponse, TokenResponse};
use serde_json::{Value, json};

use crate::{
    common::{Backend, RP_SECRET, SERVICE_SECRET, TestApp, claims_of, signed_in_code},
    on_every_backend,
};

async fn userinfo_status(app: &TestApp, token: Option<&str>) -> (u16, String) {
    let mut request = reqwest::Client::new().get(app.url("/userinfo"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("get");
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap_or_default().to_owned())
        .unwrap_or_default();
    (response.status().as_u16(), challenge)
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

async fn forged_and_stale_tokens_are_refused_at_userinfo(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("tt@example.org").await;
    let (rp, request, code, _) =
        signed_in_code(&app, "rp", Some(RP_SECRET), "tt@example.org", &["openid", "email"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let good = tokens.access_token().secret().clone();
    assert_eq!(userinfo_status(&app, Some(&good)).await.0, 200);

    let parts: Vec<&str> = good.split('.').collect();
    let mut claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");

    claims["sub"] = json!("someone-else");
    let tampered = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    let none_header = json!({"alg": "none", "typ": "at+jwt", "kid": header["kid"]});
    let alg_none = format!("{}.{}.", b64(&none_header), parts[1]);
    let hs_header = json!({"alg": "HS256", "typ": "at+jwt", "kid": header["kid"]});
    let hs_input = format!("{}.{}", b64(&hs_header), parts[1]);
    let mac = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, header["kid"].to_string().as_bytes()),
        hs_input.as_bytes(),
    );
    let hs256 = format!("{hs_input}.{}", URL_SAFE_NO_PAD.encode(mac.as_ref()));

    let mut expired_claims: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("b64")).expect("json");
    expired_claims["exp"] = json!(mana_auth::store::now() - 10);
    let expired = app
        .state
        .keys
        .current()
        .signer(SigningAlg::EdDSA)
        .expect("signer")
        .sign("at+jwt", &expired_claims)
        .expect("sign");
    let id_token = tokens.id_token().expect("id token").to_string();

    for (name, token) in [
        ("tampered", tampered),
        ("alg none", alg_none),
        ("HS256", hs256),
        ("expired", expired),
        ("id_token", id_token),
        ("garbage", "abc".into()),
    ] {
        let (status, challenge) = userinfo_status(&app, Some(&token)).await;
        assert_eq!(status, 401, "{name}");
        assert!(challenge.contains("error=\"invalid_token\""), "{name}: {challenge}");
    }
    let (status, challenge) = userinfo_status(&app, None).await;
    assert_eq!(status, 401);
    assert!(challenge.starts_with("Bearer") && !challenge.contains("error="));
}
on_every_backend!(forged_and_stale_tokens_are_refused_at_userinfo);

async fn userinfo_answers_post_and_releases_claims_by_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user("scoped@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "scoped@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let response = reqwest::Client::new()
        .post(app.url("/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body, json!({"sub": user.id}), "only `sub` without the email and profile scopes");
}
on_every_backend!(userinfo_answers_post_and_releases_claims_by_scope);

async fn validate_reason(app: &TestApp, token: &str) -> Value {
    let response = reqwest::Client::new()
        .post(app.url("/api/v1/auth/validate"))
        .json(&json!({ "token": token }))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.expect("json")["reason"].clone()
}

async fn tokens_of_ended_grants_are_refused_with_their_reason(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ended@example.org").await;
    let sign_in = || signed_in_code(&app, "rp", Some(RP_SECRET), "ended@example.org", &["openid", "email"]);

    let (rp, request, code, _) = sign_in().await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let revoked = tokens.access_token().secret().clone();
    assert_eq!(userinfo_status(&app, Some(&revoked)).await.0, 200);
    assert_eq!(validate_reason(&app, &revoked).await, Value::Null);
    let refresh = tokens.refresh_token().expect("refresh").secret().clone();
    let response = crate::common::revoke_request(&app, ("rp", RP_SECRET), &[("token", &refresh)]).await;
    assert_eq!(response.status(), 200);
    let (status, challenge) = userinfo_status(&app, Some(&revoked)).await;
    assert_eq!(status, 401);
    assert!(challenge.contains("the token has been revoked"), "{challenge}");
    assert_eq!(validate_reason(&app, &revoked).await, "the token has been revoked");

    let (rp, request, code, _) = sign_in().await;
    let ended = rp.exchange(&code, request.verifier).await.expect("tokens").access_token().secret().clone();
    assert_eq!(userinfo_status(&app, Some(&ended)).await.0, 200);
    let sid = claims_of(&ended)["sid"].as_str().expect("sid").to_owned();
    assert!(mana_auth::store::auth_sessions::end(&app.db, &sid).await.expect("end"));
    let (status, challenge) = userinfo_status(&app, Some(&ended)).await;
    assert_eq!(status, 401);
    assert!(challenge.contains("the session has ended"), "{challenge}");
    assert_eq!(validate_reason(&app, &ended).await, "the session has ended");

    // A client's own token stands, but names no user: insufficient for userinfo.
    let response =
        crate::common::token_request(&app, ("service", SERVICE_SECRET), &[("grant_type", "client_credentials")]).await;
    let service: Value = response.json().await.expect("json");
    let (status, challenge) = userinfo_status(&app, service["access_token"].as_str()).await;
    assert_eq!(status, 403);
    assert!(challenge.contains("insufficient_scope"), "{challenge}");
}
on_every_backend!(tokens_of_ended_grants_are_refused_with_their_reason);
