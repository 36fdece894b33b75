//! Introspection (RFC 7662) and revocation (RFC 7009).

use openidconnect::OAuth2TokenResponse;

use crate::{
    common::{Backend, RP_SECRET, TestApp, introspect, introspect_as, revoke_request, signed_in_code, token_request},
    on_every_backend,
};

async fn revoking_a_refresh_token_ends_its_grant_for_introspection(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user("rv@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "rv@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let access = tokens.access_token().secret().clone();
    let refresh = tokens.refresh_token().expect("refresh").secret().clone();

    let active = introspect(&app, &access).await;
    assert_eq!(active["active"], true);
    assert_eq!(active["sub"], user.id.as_str());
    assert_eq!(active["client_id"], "rp");
    assert_eq!(introspect(&app, "not-a-token").await, serde_json::json!({"active": false}));
    // Only the client a refresh token belongs to may see it described.
    assert_eq!(introspect(&app, &refresh).await["active"], false);

    let public = reqwest::Client::new()
        .post(app.url("/introspect"))
        .form(&[("token", access.as_str()), ("client_id", "spa")])
        .send()
        .await
        .expect("post");
    assert_eq!(public.status(), 401);

    let wrong_client = revoke_request(&app, ("consenting", RP_SECRET), &[("token", &refresh)]).await;
    assert_eq!(wrong_client.status(), 200);
    assert_eq!(introspect(&app, &access).await["active"], true, "another client cannot revoke it");

    let revoked =
        revoke_request(&app, ("rp", RP_SECRET), &[("token", &refresh), ("token_type_hint", "refresh_token")]).await;
    assert_eq!(revoked.status(), 200);
    assert_eq!(introspect(&app, &access).await["active"], false);
    let refreshed = crate::common::token_request(
        &app,
        ("rp", RP_SECRET),
        &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
    )
    .await;
    assert_eq!(refreshed.status(), 400);
}
on_every_backend!(revoking_a_refresh_token_ends_its_grant_for_introspection);

async fn a_rotated_refresh_token_is_inactive_and_its_successor_active(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("rot@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "rot@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let first = tokens.refresh_token().expect("refresh").secret().clone();
    let rp_client = ("rp", RP_SECRET);
    assert_eq!(introspect_as(&app, rp_client, &first).await["active"], true);

    let rotated = token_request(&app, rp_client, &[("grant_type", "refresh_token"), ("refresh_token", &first)]).await;
    let body: serde_json::Value = rotated.json().await.expect("json");
    let second = body["refresh_token"].as_str().expect("rotated").to_owned();
    assert_eq!(introspect_as(&app, rp_client, &first).await["active"], false, "a used token is described as inactive");
    let successor = introspect_as(&app, rp_client, &second).await;
    assert_eq!(successor["active"], true);
    assert_eq!(successor["token_type"], "refresh_token");
}
on_every_backend!(a_rotated_refresh_token_is_inactive_and_its_successor_active);
