//! Sign-in sessions live while they are used: each refresh, request with one of their
//! tokens or hosted-page visit moves their end `sessions.idle_ttl_secs` ahead, never
//! past `sessions.max_ttl_secs` after the sign-in. Time passes by moving a session's
//! times into the past.

use entity::auth_sessions;
use mana_auth::store::now;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use crate::{
    common::{
        Backend, TestApp,
        api::{Api, text},
        signed_in_code,
    },
    on_every_backend,
};

const DAY: i64 = 86_400;
const IDLE: i64 = 30 * DAY;
const MAX: i64 = 90 * DAY;

/// The user's one session.
async fn session_of(app: &TestApp, user_id: &str) -> auth_sessions::Model {
    let mut sessions = auth_sessions::Entity::find()
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 1);
    sessions.remove(0)
}

/// Moves the session's sign-in `signed_in` seconds and its last use `used` seconds into
/// the past, its end with its last use.
async fn age(app: &TestApp, id: &str, signed_in: i64, used: i64) {
    let column = |c: auth_sessions::Column, by: i64| Expr::col(c).sub(by);
    auth_sessions::Entity::update_many()
        .col_expr(auth_sessions::Column::CreatedAt, column(auth_sessions::Column::CreatedAt, signed_in))
        .col_expr(auth_sessions::Column::AuthTime, column(auth_sessions::Column::AuthTime, signed_in))
        .col_expr(auth_sessions::Column::LastUsedAt, column(auth_sessions::Column::LastUsedAt, used))
        .col_expr(auth_sessions::Column::ExpiresAt, column(auth_sessions::Column::ExpiresAt, used))
        .filter(auth_sessions::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("aged");
}

/// Asserts that the session's end is `from_now` seconds ahead, give or take the test's run.
fn ends_in(session: &auth_sessions::Model, from_now: i64) {
    let ahead = session.expires_at - now();
    assert!((from_now - 30..=from_now).contains(&ahead), "ends in {ahead} s, expected {from_now} s");
}

/// A native sign-in: the API client, its tokens and its session.
async fn native(app: &TestApp, email: &str) -> (Api, serde_json::Value, auth_sessions::Model) {
    let api = Api::new(&app.base);
    let tokens = api.signed_up(email).await;
    let session = session_of(app, tokens["user"]["id"].as_str().expect("user id")).await;
    ends_in(&session, IDLE);
    (api, tokens, session)
}

async fn a_refresh_moves_the_end_forward(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (api, tokens, session) = native(&app, "refresh@example.org").await;
    age(&app, &session.id, 29 * DAY, 29 * DAY).await;
    let (status, body) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    assert_eq!(status, 200, "{body}");
    let session = session_of(&app, &session.user_id).await;
    ends_in(&session, IDLE);
    assert!(now() - session.last_used_at < 30);
}

async fn a_request_with_a_token_moves_the_end_forward(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (api, tokens, session) = native(&app, "request@example.org").await;
    age(&app, &session.id, 29 * DAY, 29 * DAY).await;
    let (status, _) = api.get("/api/v1/auth/me", &text(&tokens, "accessToken")).await;
    assert_eq!(status, 200);
    ends_in(&session_of(&app, &session.user_id).await, IDLE);
}

async fn a_session_unused_for_the_idle_time_has_ended(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (api, tokens, session) = native(&app, "idle@example.org").await;
    age(&app, &session.id, IDLE + 1, IDLE + 1).await;
    let (status, _) = api.get("/api/v1/auth/me", &text(&tokens, "accessToken")).await;
    assert_eq!(status, 401);
    let (status, _) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    assert_eq!(status, 401);
    // Neither attempt brought it back (the sweep may already have deleted it).
    let left = auth_sessions::Entity::find_by_id(session.id.clone()).one(&app.db).await.expect("read");
    assert!(left.is_none_or(|s| s.expires_at < now()));
}

async fn no_use_keeps_a_session_past_its_maximum(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (api, tokens, session) = native(&app, "max@example.org").await;
    age(&app, &session.id, MAX - DAY, DAY).await;
    let (status, body) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    assert_eq!(status, 200, "{body}");
    // Used today, but ninety days after the sign-in are one day away.
    ends_in(&session_of(&app, &session.user_id).await, DAY);
    age(&app, &session.id, DAY + 1, DAY + 1).await;
    let (status, _) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": body["refreshToken"]})).await;
    assert_eq!(status, 401);
}

async fn a_hosted_page_visit_moves_the_end_forward(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user("browser@example.org").await;
    let (_, _, _, browser) = signed_in_code(&app, "rp", Some(crate::common::RP_SECRET), &user.email, &["openid"]).await;
    let session = session_of(&app, &user.id).await;
    age(&app, &session.id, 29 * DAY, 29 * DAY).await;
    let home = browser.get("/").await.text().await.expect("home");
    assert!(home.contains(&user.email), "still signed in");
    ends_in(&session_of(&app, &user.id).await, IDLE);
    age(&app, &session.id, IDLE + 1, IDLE + 1).await;
    let home = browser.get("/").await.text().await.expect("home");
    assert!(!home.contains(&user.email), "signed out once idle");
}

on_every_backend!(a_refresh_moves_the_end_forward);
on_every_backend!(a_request_with_a_token_moves_the_end_forward);
on_every_backend!(a_session_unused_for_the_idle_time_has_ended);
on_every_backend!(no_use_keeps_a_session_past_its_maximum);
on_every_backend!(a_hosted_page_visit_moves_the_end_forward);
