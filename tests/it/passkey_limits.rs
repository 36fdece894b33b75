//! Passkey sign-ins under pressure: the sign-in rate limits per address and per
//! account, and two copies of one authenticator racing with the same counter.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    common::{
        Backend, TestApp,
        api::{Api, text},
        authenticator::{Authenticator, origin_of, passkeys_on},
    },
    passkeys::{enrol, sign_in},
};

const LOGIN_OPTIONS: &str = "/api/v1/auth/passkeys/login/options";

async fn passkey_sign_ins_are_rate_limited_like_passwords(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| {
        passkeys_on(config);
        config.security.rate_limit.signin_per_ip = 5;
        config.security.rate_limit.signin_per_account = 2;
    })
    .await;
    let api = Api::new(&app.base);
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut key = Authenticator::new(&origin_of(&app.base));
    assert_eq!(enrol(&api, &access, &mut key, "Key").await.0, StatusCode::CREATED);

    // The account: two sign-ins a window (the password sign-in above was one).
    assert_eq!(sign_in(&api, &mut key).await.0, StatusCode::OK);
    let (status, body) = sign_in(&api, &mut key).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("too_many_requests")), "{body}");

    // The address: five ceremonies a window (two were begun above).
    for _ in 0..3 {
        assert_eq!(api.post(LOGIN_OPTIONS, None, &json!({})).await.0, StatusCode::OK);
    }
    assert_eq!(api.post(LOGIN_OPTIONS, None, &json!({})).await.0, StatusCode::TOO_MANY_REQUESTS);
}
crate::on_every_backend!(passkey_sign_ins_are_rate_limited_like_passwords);

async fn two_copies_racing_with_one_counter_sign_in_once(backend: Backend) {
    let app = TestApp::spawn_with(backend, passkeys_on).await;
    let api = Api::new(&app.base);
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut key = Authenticator::new(&origin_of(&app.base));
    assert_eq!(enrol(&api, &access, &mut key, "Key").await.0, StatusCode::CREATED);
    let mut copy = key.clone();
    let (first, second) = tokio::join!(sign_in(&api, &mut key), sign_in(&api, &mut copy));
    let mut statuses = [first.0, second.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::UNAUTHORIZED], "{first:?} {second:?}");
    let (_, page) = api.get("/api/v1/auth/security-events", &access).await;
    let kinds: Vec<String> = page["events"].as_array().expect("events").iter().map(|e| text(e, "type")).collect();
    assert!(kinds.iter().any(|k| k == "passkey.counter_regressed"), "{kinds:?}");
}
crate::on_every_backend!(two_copies_racing_with_one_counter_sign_in_once);
