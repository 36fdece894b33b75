//! Email verification and password reset: mailed single-use links, the same answer for
//! known and unknown addresses, and a reset that signs the account out everywhere.

use std::time::{Duration, Instant};

use futures_util::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::common::{
    Backend, PASSWORD, TestApp,
    api::{Api, text},
    browser::{Browser, hidden_field},
};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn forgot(api: &Api, email: &str) -> (StatusCode, Value) {
    api.post("/api/v1/auth/password/forgot", None, &json!({ "email": email })).await
}

async fn reset(api: &Api, token: &str, password: &str) -> (StatusCode, Value) {
    api.post("/api/v1/auth/password/reset", None, &json!({ "token": token, "newPassword": password })).await
}

async fn median_forgot(api: &Api, email: &str) -> Duration {
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(forgot(api, email).await.0, StatusCode::ACCEPTED);
        times.push(started.elapsed());
    }
    times.sort();
    times[2]
}

async fn a_reset_link_sets_the_password_once_and_signs_out_everywhere(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.security.rate_limit.reset_per_account = 0;
        c.security.rate_limit.reset_per_ip = 0;
    })
    .await;
    let api = Api::new(&app.base);
    let session = api.signed_up("ada@example.org").await;
    let other_device = api.login("ada@example.org", Some("phone")).await;

    let known = forgot(&api, "ada@example.org").await;
    let unknown = forgot(&api, "nobody@example.org").await;
    assert_eq!(known, unknown, "the same answer for every address");
    assert_eq!(known.0, StatusCode::ACCEPTED);
    let token = app.mailed_token("ada@example.org", "/password/reset").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!app.mails().iter().any(|m| m.contains("nobody@example.org")), "no mail to an unknown address");
    let (known, unknown) =
        (median_forgot(&api, "ada@example.org").await, median_forgot(&api, "nobody@example.org").await);
    let slack = Duration::from_millis(20);
    assert!(known < unknown * 3 + slack && unknown < known * 3 + slack, "known {known:?}, unknown {unknown:?}");
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (status, body) = reset(&api, &token, "short").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"], "invalid_request", "a weak password does not use up the link");
    let (status, body) = reset(&api, &token, NEW_PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = reset(&api, &token, "yet another passphrase").await;
    assert_eq!((status, body["error"].clone()), (StatusCode::BAD_REQUEST, json!("invalid_token")), "single use");
    let older = app.mailed_token("ada@example.org", "/password/reset").await;
    assert_eq!(reset(&api, &older, "yet another passphrase").await.0, StatusCode::BAD_REQUEST, "other links die too");

    for tokens in [&session, &other_device] {
        assert_eq!(api.validate(&text(tokens, "accessToken")).await["valid"], false, "every session ended");
        let refreshed = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
        assert_eq!(refreshed.0, StatusCode::UNAUTHORIZED, "every refresh token revoked");
    }
    let old = api.post("/api/v1/auth/login", None, &json!({"email": "ada@example.org", "password": PASSWORD})).await;
    assert_eq!(old.0, StatusCode::UNAUTHORIZED);
    let new =
        api.post("/api/v1/auth/login", None, &json!({"email": "ada@example.org", "password": NEW_PASSWORD})).await;
    assert_eq!(new.0, StatusCode::OK);
    let (_, events) = api.get("/api/v1/auth/security-events", &text(&new.1, "accessToken")).await;
    assert!(events["events"].as_array().expect("events").iter().any(|e| e["type"] == "password.reset"));
    assert_eq!(reset(&api, "made-up-token", NEW_PASSWORD).await.0, StatusCode::BAD_REQUEST);
}
crate::on_every_backend!(a_reset_link_sets_the_password_once_and_signs_out_everywhere);

async fn expired_links_and_concurrent_redemptions(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    app.user("ada@example.org").await;
    forgot(&api, "ada@example.org").await;
    let token = app.mailed_token("ada@example.org", "/password/reset").await;
    let racers = join_all((0..5).map(|i| {
        let api = &api;
        let token = &token;
        async move { reset(api, token, &format!("{NEW_PASSWORD} {i}")).await.0 }
    }))
    .await;
    assert_eq!(racers.iter().filter(|s| **s == StatusCode::OK).count(), 1, "{racers:?}");

    forgot(&api, "ada@example.org").await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let token = app.mailed_token("ada@example.org", "/password/reset").await;
    let digest = mana_auth::security::opaque::digest(&token);
    let sql = format!("UPDATE verification_tokens SET expires_at = 0 WHERE id = '{digest}'");
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &sql).await.expect("expire");
    assert_eq!(reset(&api, &token, NEW_PASSWORD).await.0, StatusCode::BAD_REQUEST, "expired");
}
crate::on_every_backend!(expired_links_and_concurrent_redemptions);

async fn reset_requests_are_limited_per_account(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.security.rate_limit.reset_per_account = 2).await;
    let api = Api::new(&app.base);
    for _ in 0..2 {
        assert_eq!(forgot(&api, "ada@example.org").await.0, StatusCode::ACCEPTED);
    }
    let (status, body) = forgot(&api, "ADA@example.org").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    let (status, body) = forgot(&api, "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "an empty address is just unknown: {body}");
}
crate::on_every_backend!(reset_requests_are_limited_per_account);

async fn the_reset_pages_work_in_a_browser(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ada@example.org").await;
    let browser = Browser::new(&app.base);
    let mut answers = Vec::new();
    for email in ["ada@example.org", "nobody@example.org"] {
        let page = browser.get("/password/forgot").await.text().await.expect("page");
        let response =
            browser.post_form("/password/forgot", &[("email", email), ("csrf", &hidden_field(&page, "csrf"))]).await;
        answers.push((response.status(), response.text().await.expect("page")));
    }
    assert_eq!(answers[0], answers[1]);
    assert!(answers[0].1.contains("Check your inbox"));

    let token = app.mailed_token("ada@example.org", "/password/reset").await;
    let page = browser.get(&format!("/password/reset?token={token}")).await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let weak = browser.post_form("/password/reset", &[("token", &token), ("password", "short"), ("csrf", &csrf)]).await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    let form = [("token", token.as_str()), ("password", NEW_PASSWORD), ("csrf", &csrf)];
    let done = browser.post_form("/password/reset", &form).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.expect("page").contains("Password changed"));
    let page = browser.get("/password/reset?token=x").await.text().await.expect("page");
    let form = [("token", "x"), ("password", NEW_PASSWORD), ("csrf", &hidden_field(&page, "csrf"))];
    assert_eq!(browser.post_form("/password/reset", &form).await.status(), StatusCode::BAD_REQUEST);
    let no_csrf = browser.post_form("/password/forgot", &[("email", "ada@example.org")]).await;
    assert!(no_csrf.status().is_client_error());

    let page = browser.get("/login").await.text().await.expect("page");
    let (_, left) = browser.follow(browser.submit_sign_in(&page, "ada@example.org", NEW_PASSWORD).await).await;
    assert!(left.is_none());
}
crate::on_every_backend!(the_reset_pages_work_in_a_browser);

async fn registration_mails_a_link_that_verifies_the_address(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let tokens = api.signed_up("ada@example.org").await;
    let access = text(&tokens, "accessToken");
    let token = app.mailed_token("ada@example.org", "/email/verify").await;
    assert_eq!(api.get("/api/v1/auth/me", &access).await.1["emailVerified"], false);

    let (status, _) = api.post("/api/v1/auth/email/resend", Some(&access), &json!({})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let verify = |token: String| {
        let api = &api;
        async move { api.post("/api/v1/auth/email/verify", None, &json!({ "token": token })).await.0 }
    };
    assert_eq!(verify(token.clone()).await, StatusCode::OK);
    assert_eq!(verify(token).await, StatusCode::BAD_REQUEST, "single use");
    assert_eq!(api.get("/api/v1/auth/me", &access).await.1["emailVerified"], true);
    let reset_token = {
        forgot(&api, "ada@example.org").await;
        app.mailed_token("ada@example.org", "/password/reset").await
    };
    assert_eq!(verify(reset_token).await, StatusCode::BAD_REQUEST, "a reset token verifies nothing");

    let mails_before = app.mails().len();
    assert_eq!(api.post("/api/v1/auth/email/resend", Some(&access), &json!({})).await.0, StatusCode::ACCEPTED);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(app.mails().len(), mails_before, "a confirmed address gets no more links");
    assert_eq!(api.post("/api/v1/auth/email/resend", None, &json!({})).await.0, StatusCode::UNAUTHORIZED);
    let kinds = mana_auth::admin::audit::events(
        &app.db,
        mana_auth::admin::audit::Query {
            user: Some("ada@example.org".into()),
            kind: None,
            since: None,
            until: None,
            before: None,
            limit: 10,
        },
    )
    .await
    .expect("audit");
    assert!(kinds.iter().any(|e| e.kind == "email.verified"));
}
crate::on_every_backend!(registration_mails_a_link_that_verifies_the_address);

/// A minimal SMTP server (no TLS, no auth) that keeps what it is sent.
async fn smtp_sink() -> (u16, std::sync::Arc<tokio::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let received = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let sink = received.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.expect("greet");
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            sink.lock().await.push(data.take().unwrap_or_default());
                            write.write_all(b"250 queued\r\n").await.expect("queued");
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split(' ').next().unwrap_or_default().to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-sink\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => b"221 bye\r\n",
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(reply).await.expect("reply");
                }
            });
        }
    });
    (port, received)
}

/// With `mail.smtp_url` the links go out over SMTP.
async fn mail_goes_out_over_smtp(backend: Backend) {
    let (port, received) = smtp_sink().await;
    let app = TestApp::spawn_with(backend, move |c| {
        c.mail.smtp_url = Some(mana_auth::config::Secret::new(format!("smtp://127.0.0.1:{port}")));
    })
    .await;
    let api = Api::new(&app.base);
    api.signed_up("ada@example.org").await;
    let mut message = None;
    for _ in 0..100 {
        message = received.lock().await.first().cloned();
        if message.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let message = message.expect("a message reached the SMTP server").replace("=\n", "").replace("=3D", "=");
    assert!(message.contains("To: ada@example.org") && message.contains("From: mana-auth <no-reply@localhost>"));
    let start = message.find("/email/verify?token=").expect("link") + "/email/verify?token=".len();
    let token: String =
        message[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c)).collect();
    let (status, _) = api.post("/api/v1/auth/email/verify", None, &json!({ "token": token })).await;
    assert_eq!(status, StatusCode::OK);
    assert!(app.mails().is_empty(), "nothing in the outbox when SMTP is set");
}
crate::on_every_backend!(mail_goes_out_over_smtp);
