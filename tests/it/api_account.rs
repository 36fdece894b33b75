//! Native API: the caller's profile, password and sessions.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        api::{Api, text},
    },
    on_every_backend,
};

async fn profile_updates_and_refuses_bad_input(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let access = text(&api.signed_up("me@example.org").await, "accessToken");
    let (status, me) =
        api.call(Method::PATCH, "/api/v1/auth/me", Some(&access), Some(&json!({"name": "New Name"}))).await;
    assert_eq!(status, 200);
    assert_eq!(me["name"], "New Name");
    for bad in [json!({"name": 5}), json!({"name": "x".repeat(201)}), json!({"nickname": "x"})] {
        let (status, body) = api.call(Method::PATCH, "/api/v1/auth/me", Some(&access), Some(&bad)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad} -> {body}");
        assert_eq!(body["error"], "invalid_request");
    }
    assert_eq!(api.get("/api/v1/auth/me", &access).await.1["name"], "New Name");
}
on_every_backend!(profile_updates_and_refuses_bad_input);

async fn password_change_ends_every_other_session(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let here = api.signed_up("pw@example.org").await;
    let elsewhere = api.login("pw@example.org", Some("phone")).await;
    let here_token = text(&here, "accessToken");
    let change = |current: &str, new: &str| json!({"currentPassword": current, "newPassword": new});

    let (status, body) = api
        .post("/api/v1/auth/password", Some(&here_token), &change("wrong password", "another long passphrase"))
        .await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (401, Some("invalid_credentials")));
    let (status, body) = api.post("/api/v1/auth/password", Some(&here_token), &change(PASSWORD, "qwertyuiop")).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (400, Some("invalid_request")));
    assert_eq!(api.validate(&text(&elsewhere, "accessToken")).await["valid"], true, "failed attempts change nothing");

    let (status, _) =
        api.post("/api/v1/auth/password", Some(&here_token), &change(PASSWORD, "another long passphrase")).await;
    assert_eq!(status, 200);
    assert_eq!(api.validate(&here_token).await["valid"], true, "the current session stays");
    assert_eq!(api.validate(&text(&elsewhere, "accessToken")).await["valid"], false);
    let (status, _) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": elsewhere["refreshToken"]})).await;
    assert_eq!(status, 401);
    let (status, _) =
        api.post("/api/v1/auth/login", None, &json!({"email": "pw@example.org", "password": PASSWORD})).await;
    assert_eq!(status, 401);
    let (status, _) = api
        .post("/api/v1/auth/login", None, &json!({"email": "pw@example.org", "password": "another long passphrase"}))
        .await;
    assert_eq!(status, 200);
}
on_every_backend!(password_change_ends_every_other_session);

async fn sessions_are_listed_with_devices_and_can_be_ended(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let laptop = api.signed_up("dev@example.org").await;
    let phone = api.login("dev@example.org", Some("phone")).await;
    let laptop_token = text(&laptop, "accessToken");
    let (status, sessions) = api.get("/api/v1/auth/sessions", &laptop_token).await;
    assert_eq!(status, 200);
    let sessions = sessions.as_array().expect("list").clone();
    assert_eq!(sessions.len(), 2);
    let phone_session = sessions.iter().find(|s| s["deviceName"] == "phone").expect("phone session");
    assert_eq!(phone_session["current"], false);
    assert_eq!(phone_session["deviceId"], "phone");
    assert!(phone_session["ip"].as_str().is_some_and(|ip| ip.starts_with("127.")));
    assert!(sessions.iter().any(|s| s["current"] == true));

    let other = api.signed_up("other@example.org").await;
    let path = format!("/api/v1/auth/sessions/{}", text(phone_session, "id"));
    let (status, _) = api.call(Method::DELETE, &path, Some(&text(&other, "accessToken")), None).await;
    assert_eq!(status, 404, "someone else's session is not yours to end");
    let (status, _) = api.call(Method::DELETE, &path, Some(&laptop_token), None).await;
    assert_eq!(status, 200);
    assert_eq!(api.validate(&text(&phone, "accessToken")).await["valid"], false);
    let (status, _) = api.call(Method::DELETE, "/api/v1/auth/sessions/nope", Some(&laptop_token), None).await;
    assert_eq!(status, 404);
}
on_every_backend!(sessions_are_listed_with_devices_and_can_be_ended);
