//! A refresh token sent again soon after its rotation (its answer was lost, or the
//! client sent it twice at once) gets the same successor, on the token endpoint and in
//! the native API; once the window has passed or the successor was used, it is a
//! reuse and revokes its family.

use entity::refresh_tokens;
use futures_util::future::join_all;
use mana_auth::store::refresh::key_of;
use openidconnect::OAuth2TokenResponse;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, RP_SECRET, TestApp,
        api::{Api, text},
        introspect, signed_in_code, token_request,
    },
    on_every_backend,
};

/// A refresh token of the `rp` client, from a sign-in.
async fn rp_refresh_token(app: &TestApp, email: &str) -> String {
    app.user(email).await;
    let (rp, request, code, _) = signed_in_code(app, "rp", Some(RP_SECRET), email, &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    tokens.refresh_token().expect("refresh").secret().clone()
}

/// The token endpoint's answer to a refresh of `token`: status and body.
async fn refresh(app: &TestApp, token: &str) -> (u16, Value) {
    let form = [("grant_type", "refresh_token"), ("refresh_token", token)];
    let response = token_request(app, ("rp", RP_SECRET), &form).await;
    (response.status().as_u16(), response.json().await.expect("json"))
}

fn refused(answer: &(u16, Value)) -> bool {
    answer.0 == 400 && answer.1["error"] == "invalid_grant"
}

/// Moves the issue of the successor of `parent` `secs` into the past, as if that time had passed.
async fn age_successor(app: &TestApp, parent: &str, secs: i64) {
    let aged = refresh_tokens::Entity::update_many()
        .col_expr(refresh_tokens::Column::CreatedAt, Expr::col(refresh_tokens::Column::CreatedAt).sub(secs))
        .filter(refresh_tokens::Column::ParentHash.eq(key_of(parent)))
        .exec(&app.db)
        .await
        .expect("update");
    assert_eq!(aged.rows_affected, 1);
}

async fn parallel_refreshes_of_one_token_all_get_its_one_successor(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = rp_refresh_token(&app, "race@example.org").await;
    let answers = join_all((0..10).map(|_| refresh(&app, &token))).await;
    assert!(answers.iter().all(|(status, _)| *status == 200), "{answers:?}");
    let successors: Vec<&Value> = answers.iter().map(|(_, body)| &body["refresh_token"]).collect();
    assert!(successors.iter().all(|s| *s == successors[0]), "one successor: {successors:?}");
    assert_ne!(successors[0], &json!(token));
    for (_, body) in &answers {
        assert_eq!(introspect(&app, body["access_token"].as_str().expect("access")).await["active"], true);
    }
    let next = refresh(&app, successors[0].as_str().expect("successor")).await;
    assert_eq!(next.0, 200, "and it rotates on: {}", next.1);
}
on_every_backend!(parallel_refreshes_of_one_token_all_get_its_one_successor);

async fn a_retried_refresh_gets_the_same_successor_until_that_is_used(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = rp_refresh_token(&app, "retry@example.org").await;
    let (status, first) = refresh(&app, &token).await;
    assert_eq!(status, 200, "{first}");
    let (status, again) = refresh(&app, &token).await;
    assert_eq!(status, 200, "a retry within the window: {again}");
    assert_eq!(again["refresh_token"], first["refresh_token"]);
    assert!(again["id_token"].is_string());
    assert_eq!(introspect(&app, again["access_token"].as_str().expect("access")).await["active"], true);

    // Once the successor was used, the old token coming back is a reuse.
    let (status, next) = refresh(&app, first["refresh_token"].as_str().expect("successor")).await;
    assert_eq!(status, 200, "{next}");
    assert!(refused(&refresh(&app, &token).await));
    assert!(refused(&refresh(&app, next["refresh_token"].as_str().expect("next")).await), "family revoked");
    assert_eq!(introspect(&app, again["access_token"].as_str().expect("access")).await["active"], false);
}
on_every_backend!(a_retried_refresh_gets_the_same_successor_until_that_is_used);

async fn a_refresh_retried_after_the_window_revokes_the_family(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let token = rp_refresh_token(&app, "late@example.org").await;
    let (status, first) = refresh(&app, &token).await;
    assert_eq!(status, 200, "{first}");
    age_successor(&app, &token, 10).await;
    assert!(refused(&refresh(&app, &token).await), "tokens.refresh_retry_secs (10) have passed");
    assert!(refused(&refresh(&app, first["refresh_token"].as_str().expect("successor")).await), "family revoked");
}
on_every_backend!(a_refresh_retried_after_the_window_revokes_the_family);

async fn without_the_retry_window_a_second_refresh_is_a_reuse(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.tokens.refresh_retry_secs = 0).await;
    let token = rp_refresh_token(&app, "strict@example.org").await;
    let (status, first) = refresh(&app, &token).await;
    assert_eq!(status, 200, "{first}");
    assert!(refused(&refresh(&app, &token).await));
    assert!(refused(&refresh(&app, first["refresh_token"].as_str().expect("successor")).await), "family revoked");
}
on_every_backend!(without_the_retry_window_a_second_refresh_is_a_reuse);

/// The native API's answer to a refresh of `token`: status and body.
async fn api_refresh(api: &Api, token: &str) -> (u16, Value) {
    let (status, body) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": token})).await;
    (status.as_u16(), body)
}

async fn the_api_answers_retried_and_parallel_refreshes_alike(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("api@example.org").await, "refreshToken");
    let answers = join_all((0..10).map(|_| api_refresh(&api, &token))).await;
    assert!(answers.iter().all(|(status, _)| *status == 200), "{answers:?}");
    let successor = text(&answers[0].1, "refreshToken");
    assert!(answers.iter().all(|(_, body)| body["refreshToken"] == successor), "{answers:?}");
    let (status, again) = api_refresh(&api, &token).await;
    assert_eq!((status, text(&again, "refreshToken")), (200, successor.clone()), "a retry after the race");

    let (status, next) = api_refresh(&api, &successor).await;
    assert_eq!(status, 200, "{next}");
    let (status, body) = api_refresh(&api, &token).await;
    assert_eq!((status, body["error"].clone()), (401, json!("invalid_refresh_token")), "a reuse now");
    assert_eq!(api_refresh(&api, &text(&next, "refreshToken")).await.0, 401, "the session has ended");
    assert_eq!(api.validate(&text(&again, "accessToken")).await["valid"], false);

    // After the window, the first retry is already a reuse.
    let token = text(&api.login("api@example.org", None).await, "refreshToken");
    let (status, first) = api_refresh(&api, &token).await;
    assert_eq!(status, 200, "{first}");
    age_successor(&app, &token, 10).await;
    assert_eq!(api_refresh(&api, &token).await.0, 401);
    assert_eq!(api_refresh(&api, &text(&first, "refreshToken")).await.0, 401, "the session has ended");
}
on_every_backend!(the_api_answers_retried_and_parallel_refreshes_alike);
