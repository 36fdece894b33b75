//! Introspection (RFC 7662) and revocation (RFC 7009).

use mana_auth::config::ClientConfig;
use openidconnect::OAuth2TokenResponse;
use serde_json::json;

use crate::{
    common::{
        Backend, RP_SECRET, TestApp, api::Api, introspect, introspect_as, revoke_request, signed_in_code, token_request,
    },
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

async fn only_its_own_client_and_resource_servers_see_a_token_active(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user("seen@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "seen@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let access = tokens.access_token().secret().clone();
    let refresh = tokens.refresh_token().expect("refresh").secret().clone();
    let (own, other) = (("rp", RP_SECRET), ("consenting", RP_SECRET));

    let by_own = introspect_as(&app, own, &access).await;
    assert_eq!((by_own["active"].clone(), by_own["sub"].clone()), (json!(true), json!(user.id)));
    let by_server = introspect(&app, &access).await;
    assert_eq!((by_server["active"].clone(), by_server["sid"].clone()), (json!(true), by_own["sid"].clone()));
    assert_eq!(introspect_as(&app, other, &access).await, json!({"active": false}), "another client learns nothing");

    // A refresh token is described to its own client alone, resource servers included.
    assert_eq!(introspect_as(&app, own, &refresh).await["active"], true);
    assert_eq!(introspect_as(&app, other, &refresh).await, json!({"active": false}));
    assert_eq!(introspect(&app, &refresh).await, json!({"active": false}));

    // A resource server added by command (stored in the database) sees the native API's tokens too.
    let gateway = ClientConfig {
        id: "gateway".into(),
        secret: None,
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        name: None,
        skip_consent: false,
        grant_types: vec!["client_credentials".into()],
        backchannel_logout_uri: None,
        id_token_signed_response_alg: None,
        introspection: true,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        resources: None,
    };
    let secret = mana_auth::admin::clients::add(&app.db, gateway, false, mana_auth::admin::clients::By::Operator)
        .await
        .expect("added")
        .expect("secret");
    let api_access =
        crate::common::api::text(&Api::new(&app.base).login("seen@example.org", None).await, "accessToken");
    assert_eq!(introspect_as(&app, ("gateway", &secret), &api_access).await["active"], true);
    assert_eq!(introspect_as(&app, ("gateway", &secret), &access).await["active"], true);
    assert_eq!(introspect_as(&app, own, &api_access).await, json!({"active": false}));
}
on_every_backend!(only_its_own_client_and_resource_servers_see_a_token_active);
