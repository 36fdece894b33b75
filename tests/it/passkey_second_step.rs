//! A passkey as the second step after a password: on the hosted pages when the
//! request asks for `acr_values=mfa` (or two-step verification is on), and in the
//! native API instead of a code. The id_token and the session say both factors.

use openidconnect::TokenResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, RP_SECRET, TestApp,
        api::{Api, text},
        authenticator::{Authenticator, origin_of, passkeys_on},
        browser::{Browser, hidden_field, location, query_param},
        claims_of,
        rp::RelyingParty,
    },
    mfa::{enrol as enrol_totp, signed_in_browser},
    passkeys::enrol,
};

/// Ada with a password and a passkey; returns the app and her authenticator.
async fn ada_with_a_passkey(backend: Backend) -> (TestApp, Authenticator) {
    let app = TestApp::spawn_with(backend, passkeys_on).await;
    let api = Api::new(&app.base);
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut key = Authenticator::new(&origin_of(&app.base));
    assert_eq!(enrol(&api, &access, &mut key, "Key").await.0, StatusCode::CREATED);
    (app, key)
}

async fn options(browser: &Browser, csrf: &str) -> reqwest::Response {
    browser.post_form("/login/mfa/passkey/options", &[("csrf", csrf)]).await
}

async fn acr_values_mfa_takes_a_passkey_after_the_password(backend: Backend) {
    let (app, mut key) = ada_with_a_passkey(backend).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;

    // Without acr_values the password is enough, and the session says so.
    let browser = Browser::new(&app.base);
    let plain = rp.authorize(&["openid"]);
    let callback = browser.authorize_and_sign_in(&plain.url, "ada@example.org", PASSWORD).await;
    let tokens = rp.exchange(&query_param(&callback, "code").expect("code"), plain.verifier).await.expect("tokens");
    let claims = claims_of(&tokens.id_token().expect("id_token").to_string());
    assert_eq!((claims["acr"].clone(), claims["amr"].clone()), (json!("pwd"), json!(["pwd"])));

    // acr_values=mfa: that session signs in again, and the password leads to a passkey.
    let strict = rp.authorize(&["openid"]);
    let to = location(&browser.get(&format!("{}&acr_values=mfa", strict.url)).await);
    assert!(to.starts_with("/login?req="), "signs in again: {to}");
    let page = browser.get(&to).await.text().await.expect("page");
    let step = browser.submit_sign_in(&page, "ada@example.org", PASSWORD).await;
    assert_eq!(step.status(), StatusCode::OK);
    let page = step.text().await.expect("second step");
    assert!(page.contains("Confirm that it is you with one of your passkeys."), "{page}");
    assert!(!page.contains(r#"action="/login/mfa""#), "no code form without two-step codes");
    let csrf = hidden_field(&page, "csrf");
    assert_eq!(options(&browser, "forged").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(options(&Browser::new(&app.base), &csrf).await.status(), StatusCode::FORBIDDEN, "another browser");

    let ceremony: Value = options(&browser, &csrf).await.json().await.expect("options");
    let listed = ceremony["publicKey"]["allowCredentials"].as_array().expect("listed").len();
    assert_eq!(listed, 1, "the account's passkey is named");
    let stranger = Authenticator::new(&origin_of(&app.base)).assert(&ceremony["publicKey"]).to_string();
    let form =
        [("csrf", csrf.as_str()), ("flow_id", ceremony["flowId"].as_str().expect("flow")), ("credential", &stranger)];
    let refused = browser.post_form("/login/mfa/passkey", &form).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.text().await.expect("page").contains("That passkey was not accepted."));

    let ceremony: Value = options(&browser, &csrf).await.json().await.expect("options");
    let answer = key.assert(&ceremony["publicKey"]).to_string();
    let form =
        [("csrf", csrf.as_str()), ("flow_id", ceremony["flowId"].as_str().expect("flow")), ("credential", &answer)];
    let (_, callback) = browser.follow(browser.post_form("/login/mfa/passkey", &form).await).await;
    let callback = callback.expect("back to the client");
    let tokens = rp.exchange(&query_param(&callback, "code").expect("code"), strict.verifier).await.expect("tokens");
    let claims = claims_of(&tokens.id_token().expect("id_token").to_string());
    assert_eq!(claims["amr"], json!(["pwd", "hwk", "user", "mfa"]));
    assert_eq!(claims["acr"], "mfa");
    let again = browser.post_form("/login/mfa/passkey", &form).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "the second step is over");
}
crate::on_every_backend!(acr_values_mfa_takes_a_passkey_after_the_password);

async fn with_codes_on_the_page_offers_both(backend: Backend) {
    let (app, mut key) = ada_with_a_passkey(backend).await;
    enrol_totp(&signed_in_browser(&app, "ada@example.org").await).await;
    let browser = Browser::new(&app.base);
    let page = browser.get("/login").await.text().await.expect("page");
    let page = browser.submit_sign_in(&page, "ada@example.org", PASSWORD).await.text().await.expect("second step");
    assert!(page.contains(r#"action="/login/mfa""#) && page.contains("or use one of your passkeys"), "{page}");
    let csrf = hidden_field(&page, "csrf");
    let ceremony: Value = options(&browser, &csrf).await.json().await.expect("options");
    let answer = key.assert(&ceremony["publicKey"]).to_string();
    let form =
        [("csrf", csrf.as_str()), ("flow_id", ceremony["flowId"].as_str().expect("flow")), ("credential", &answer)];
    let (page, left) = browser.follow(browser.post_form("/login/mfa/passkey", &form).await).await;
    assert!(left.is_none());
    assert!(page.text().await.expect("home").contains("You are signed in as"));
}
crate::on_every_backend!(with_codes_on_the_page_offers_both);

async fn the_api_takes_a_passkey_instead_of_a_code(backend: Backend) {
    let (app, mut key) = ada_with_a_passkey(backend).await;
    enrol_totp(&signed_in_browser(&app, "ada@example.org").await).await;
    let api = Api::new(&app.base);
    let (_, challenge) =
        api.post("/api/v1/auth/login", None, &json!({"email": "ada@example.org", "password": PASSWORD})).await;
    let mfa_token = text(&challenge, "mfaToken");
    let (status, _) = api.post("/api/v1/auth/mfa/passkey/options", None, &json!({"mfaToken": "forged"})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (_, options) = api.post("/api/v1/auth/mfa/passkey/options", None, &json!({"mfaToken": mfa_token})).await;
    let mut stranger = Authenticator::new(&origin_of(&app.base));
    let (status, refused) = step(&api, &mut stranger, &options, &mfa_token).await;
    assert_eq!((status, refused["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credential")));

    let (_, options) = api.post("/api/v1/auth/mfa/passkey/options", None, &json!({"mfaToken": mfa_token})).await;
    let (status, signed_in) = step(&api, &mut key, &options, &mfa_token).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    let access = text(&signed_in, "accessToken");
    let sid = claims_of(&access)["sid"].as_str().expect("sid").to_owned();
    let session = <entity::auth_sessions::Entity as sea_orm::EntityTrait>::find_by_id(sid)
        .one(&app.db)
        .await
        .expect("read")
        .expect("session");
    assert_eq!(session.amr, "pwd hwk user mfa");

    // The mfaToken is used up.
    let (status, _) = api.post("/api/v1/auth/mfa/passkey/options", None, &json!({"mfaToken": mfa_token})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}
crate::on_every_backend!(the_api_takes_a_passkey_instead_of_a_code);

/// The second step in the API with the authenticator's answer to `options`.
async fn step(api: &Api, key: &mut Authenticator, options: &Value, mfa_token: &str) -> (StatusCode, Value) {
    let body =
        json!({ "mfaToken": mfa_token, "flowId": options["flowId"], "credential": key.assert(&options["publicKey"]) });
    api.post("/api/v1/auth/mfa/passkey", None, &body).await
}
