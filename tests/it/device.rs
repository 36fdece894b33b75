//! The Device Authorization Grant (RFC 8628), driven by hand as a TV app would: the
//! device gets a code, polls, and is signed in once a person types the code on the
//! `/device` page, signs in and confirms; denial, expiry, fast polling, unknown codes
//! and guessing are answered as the RFC says.

use entity::device_codes;
use mana_auth::config::{ClientConfig, Config};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::Value;

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        browser::{Browser, hidden_field},
        claims_of,
    },
    on_every_backend,
};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const ALPHABET: &str = "BCDFGHJKLMNPQRSTVWXZ";

/// A public TV app that may use only the device grant and refresh tokens, and needs
/// no redirect URI.
fn with_tv(config: &mut Config) {
    let mut tv: ClientConfig = config.clients.iter().find(|c| c.id == "spa").expect("spa").clone();
    tv.id = "tv".into();
    tv.name = Some("Living Room TV".into());
    tv.redirect_uris = vec![];
    tv.post_logout_redirect_uris = vec![];
    tv.skip_consent = true;
    tv.grant_types = vec![GRANT.into(), "refresh_token".into()];
    config.clients.push(tv);
}

async fn form_post(app: &TestApp, path: &str, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = reqwest::Client::new().post(app.url(path)).form(form).send().await.expect("post");
    (response.status(), response.json().await.unwrap_or(Value::Null))
}

async fn device_authorization(app: &TestApp, client_id: &str, scope: &str) -> (StatusCode, Value) {
    form_post(app, "/device_authorization", &[("client_id", client_id), ("scope", scope)]).await
}

async fn poll(app: &TestApp, client_id: &str, device_code: &str) -> (StatusCode, Value) {
    form_post(app, "/token", &[("grant_type", GRANT), ("device_code", device_code), ("client_id", client_id)]).await
}

/// Lets the next poll come as late as the device was told to wait.
async fn wait_out_the_interval(app: &TestApp) {
    device_codes::Entity::update_many()
        .col_expr(device_codes::Column::LastPolledAt, Expr::value(Option::<i64>::None))
        .exec(&app.db)
        .await
        .expect("reset");
}

/// Types `user_code` on the device page; returns the page the browser lands on.
async fn type_code(browser: &Browser, user_code: &str) -> reqwest::Response {
    let page = browser.get("/device").await.text().await.expect("page");
    let typed = browser.post_form("/device", &[("user_code", user_code), ("csrf", &hidden_field(&page, "csrf"))]).await;
    browser.follow(typed).await.0
}

/// Answers the consent page in `html` with `decision`.
async fn decide(browser: &Browser, html: &str, decision: &str) -> reqwest::Response {
    let form =
        [("csrf", hidden_field(html, "csrf")), ("req", hidden_field(html, "req")), ("decision", decision.into())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    browser.follow(browser.post_form("/consent", &form).await).await.0
}

async fn signed_in_browser(app: &TestApp, email: &str) -> Browser {
    let browser = Browser::new(&app.base);
    let page = browser.get("/login").await.text().await.expect("page");
    browser.follow(browser.submit_sign_in(&page, email, PASSWORD).await).await;
    browser
}

async fn a_device_is_signed_in_with_a_code_typed_on_the_page(backend: Backend) {
    let app = TestApp::spawn_with(backend, with_tv).await;
    let user = app.user("viewer@example.org").await;
    let discovery: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(discovery["device_authorization_endpoint"], app.url("/device_authorization"));
    assert!(discovery["grant_types_supported"].as_array().expect("grants").iter().any(|g| g == GRANT));

    let (status, started) = device_authorization(&app, "tv", "openid profile").await;
    assert_eq!(status, 200, "{started}");
    let user_code = started["user_code"].as_str().expect("user_code").to_owned();
    let (first, second) = user_code.split_once('-').expect("XXXX-XXXX");
    assert!(first.len() == 4 && second.len() == 4 && format!("{first}{second}").chars().all(|c| ALPHABET.contains(c)));
    assert_eq!(started["verification_uri"], app.url("/device"));
    assert_eq!(started["verification_uri_complete"], format!("{}?user_code={user_code}", app.url("/device")));
    assert_eq!((started["expires_in"].as_i64(), started["interval"].as_i64()), (Some(600), Some(5)));
    let device_code = started["device_code"].as_str().expect("device_code").to_owned();

    let (status, pending) = poll(&app, "tv", &device_code).await;
    assert_eq!((status.as_u16(), pending["error"].as_str()), (400, Some("authorization_pending")));
    let (_, hurried) = poll(&app, "tv", &device_code).await;
    assert_eq!(hurried["error"], "slow_down", "a poll within the interval");
    let interval = device_codes::Entity::find().one(&app.db).await.expect("row").expect("request").interval_secs;
    assert_eq!(interval, 10, "the interval grew by five seconds");

    // On the page: the code typed loosely, then the sign-in, then the confirmation,
    // which a device's request always asks for, whatever the client's consent setting.
    let browser = Browser::new(&app.base);
    let sign_in = type_code(&browser, &user_code.to_lowercase().replace('-', " ")).await;
    let sign_in = sign_in.text().await.expect("sign-in page");
    let consent = browser.follow(browser.submit_sign_in(&sign_in, &user.email, PASSWORD).await).await.0;
    let consent = consent.text().await.expect("consent page");
    assert!(consent.contains("Living Room TV"), "{consent}");
    let done = decide(&browser, &consent, "allow").await;
    assert_eq!(done.status(), 200);
    assert!(done.text().await.expect("page").contains("Device connected"));

    wait_out_the_interval(&app).await;
    let (status, tokens) = poll(&app, "tv", &device_code).await;
    assert_eq!(status, 200, "{tokens}");
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens["id_token"].is_string() && tokens["refresh_token"].is_string());
    let claims = claims_of(tokens["access_token"].as_str().expect("access token"));
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["client_id"], "tv");
    let userinfo = reqwest::Client::new()
        .get(app.url("/userinfo"))
        .bearer_auth(tokens["access_token"].as_str().expect("token"))
        .send()
        .await
        .expect("userinfo");
    assert_eq!(userinfo.status(), 200);

    // Used once; the device's session is its own, so the browser signing out leaves it be.
    wait_out_the_interval(&app).await;
    let (_, again) = poll(&app, "tv", &device_code).await;
    assert_eq!(again["error"], "invalid_grant");
    let logout_page = browser.get("/logout").await.text().await.expect("logout page");
    let signed_out = browser.post_form("/logout/confirm", &[("csrf", &hidden_field(&logout_page, "csrf"))]).await;
    assert!(signed_out.status().is_redirection(), "{}", signed_out.status());
    assert!(!browser.get("/").await.text().await.expect("home").contains(&user.email), "the browser is signed out");
    let refresh = [("grant_type", "refresh_token"), ("refresh_token", tokens["refresh_token"].as_str().expect("rt"))];
    let (status, refreshed) = form_post(&app, "/token", &[refresh[0], refresh[1], ("client_id", "tv")]).await;
    assert_eq!(status, 200, "{refreshed}");
}
on_every_backend!(a_device_is_signed_in_with_a_code_typed_on_the_page);

async fn denied_expired_and_foreign_requests_are_refused(backend: Backend) {
    let app = TestApp::spawn_with(backend, with_tv).await;
    app.user("viewer@example.org").await;
    let browser = signed_in_browser(&app, "viewer@example.org").await;

    let (_, started) = device_authorization(&app, "tv", "openid").await;
    let consent = type_code(&browser, started["user_code"].as_str().expect("code")).await.text().await.expect("page");
    let denied = decide(&browser, &consent, "deny").await;
    assert!(denied.text().await.expect("page").contains("Request denied"));
    let (status, body) = poll(&app, "tv", started["device_code"].as_str().expect("code")).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("access_denied")));
    let decided_again = type_code(&browser, started["user_code"].as_str().expect("code")).await;
    assert_eq!(decided_again.status(), 400, "a decided code cannot be typed again");

    let (_, late) = device_authorization(&app, "tv", "openid").await;
    device_codes::Entity::update_many()
        .col_expr(device_codes::Column::ExpiresAt, Expr::value(mana_auth::store::now() - 1))
        .exec(&app.db)
        .await
        .expect("age");
    let (_, body) = poll(&app, "tv", late["device_code"].as_str().expect("code")).await;
    assert_eq!(body["error"], "expired_token");
    assert_eq!(type_code(&browser, late["user_code"].as_str().expect("code")).await.status(), 400);

    let (_, other) = device_authorization(&app, "tv", "openid").await;
    let (_, body) = poll(&app, "spa", other["device_code"].as_str().expect("code")).await;
    assert_eq!(body["error"], "unauthorized_client", "spa may not use the grant at all");
    let (_, body) = poll(&app, "tv", "not-a-device-code").await;
    assert_eq!(body["error"], "invalid_grant");

    let (status, body) = device_authorization(&app, "spa", "openid").await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("unauthorized_client")));
    let (status, body) = device_authorization(&app, "nobody", "openid").await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("invalid_client")));
    let (_, body) = device_authorization(&app, "tv", "openid admin").await;
    assert_eq!(body["error"], "invalid_scope");
}
on_every_backend!(denied_expired_and_foreign_requests_are_refused);

async fn user_codes_cannot_be_guessed(backend: Backend) {
    let app = TestApp::spawn_with(backend, with_tv).await;
    let browser = Browser::new(&app.base);
    let page = browser.get("/device?user_code=BCDF-GHJK").await.text().await.expect("page");
    assert!(page.contains("value=\"BCDF-GHJK\""), "filled in from verification_uri_complete");
    let csrf = hidden_field(&page, "csrf");
    for guess in ["BCDF-GHJK", "not a code", "ABCD-EFGH"] {
        let answer = browser.post_form("/device", &[("user_code", guess), ("csrf", &csrf)]).await;
        assert_eq!(answer.status(), 400, "{guess}");
        assert!(answer.headers().get("location").is_none());
    }
    let forged = browser.post_form("/device", &[("user_code", "BCDF-GHJK"), ("csrf", "forged")]).await;
    assert_eq!(forged.status(), 403);
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(browser.post_form("/device", &[("user_code", "BCDF-GHJK"), ("csrf", &csrf)]).await.status());
    }
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}
on_every_backend!(user_codes_cannot_be_guessed);

async fn an_approved_device_code_polled_at_once_is_used_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, with_tv).await;
    app.user("race@example.org").await;
    let browser = signed_in_browser(&app, "race@example.org").await;
    let (_, started) = device_authorization(&app, "tv", "openid").await;
    let consent = type_code(&browser, started["user_code"].as_str().expect("code")).await.text().await.expect("page");
    assert_eq!(decide(&browser, &consent, "allow").await.status(), 200);
    let device_code = started["device_code"].as_str().expect("code");
    let answers = futures_util::future::join_all((0..8).map(|_| poll(&app, "tv", device_code))).await;
    let issued = answers.iter().filter(|(status, _)| *status == 200).count();
    assert_eq!(issued, 1, "{answers:?}");
    assert!(answers.iter().filter(|(status, _)| *status != 200).all(|(_, body)| body["error"] == "invalid_grant"));
}
on_every_backend!(an_approved_device_code_polled_at_once_is_used_once);
