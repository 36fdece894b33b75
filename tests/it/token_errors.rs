//! Token endpoint bad paths: PKCE, replayed and expired codes, client authentication,
//! grants a client may not use — each refused as RFC 6749 §5.2 says, changing nothing.

use openidconnect::OAuth2TokenResponse;
use serde_json::Value;

use crate::{
    common::{
        Backend, RP_REDIRECT, RP_SECRET, SERVICE_SECRET, TestApp, code_exchange_form, signed_in_code, token_request,
    },
    on_every_backend,
};

async fn error_of(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("json error");
    (status, body["error"].as_str().expect("error code").to_owned())
}

async fn wrong_or_missing_pkce_verifier_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("pk@example.org").await;
    let (_, _, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "pk@example.org", &["openid"]).await;
    let wrong = "x".repeat(50);
    let base = [("grant_type", "authorization_code"), ("code", code.as_str()), ("redirect_uri", RP_REDIRECT)];
    let with_wrong = [&base[..], &[("code_verifier", wrong.as_str())]].concat();
    assert_eq!(
        error_of(token_request(&app, ("rp", RP_SECRET), &with_wrong).await).await,
        (400, "invalid_grant".into())
    );
    assert_eq!(error_of(token_request(&app, ("rp", RP_SECRET), &base).await).await, (400, "invalid_grant".into()));
}
on_every_backend!(wrong_or_missing_pkce_verifier_is_refused);

async fn replayed_code_is_refused_and_revokes_issued_tokens(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("re@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "re@example.org", &["openid"]).await;
    let verifier = request.verifier.secret().clone();
    let tokens = rp.exchange(&code, request.verifier).await.expect("first exchange");
    let form = code_exchange_form(&code, &verifier);
    assert_eq!(error_of(token_request(&app, ("rp", RP_SECRET), &form).await).await, (400, "invalid_grant".into()));
    let refresh = tokens.refresh_token().expect("refresh").secret().clone();
    let refreshed =
        token_request(&app, ("rp", RP_SECRET), &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]).await;
    assert_eq!(error_of(refreshed).await, (400, "invalid_grant".into()));
    let userinfo = reqwest::Client::new()
        .get(app.url("/userinfo"))
        .bearer_auth(tokens.access_token().secret())
        .send()
        .await
        .expect("get");
    assert_eq!(userinfo.status(), 401);
}
on_every_backend!(replayed_code_is_refused_and_revokes_issued_tokens);

async fn expired_code_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ex@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "ex@example.org", &["openid"]).await;
    // Its time is up: the row says so, rather than the test waiting for the clock.
    let expire = format!("UPDATE authorization_codes SET expires_at = {}", mana_auth::store::now() - 1);
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &expire).await.expect("expire the code");
    let refused = rp.exchange(&code, request.verifier).await;
    assert!(refused.is_err(), "an expired code must not be exchanged");
}
on_every_backend!(expired_code_is_refused);

async fn wrong_client_secret_or_other_client_is_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("cs@example.org").await;
    let (_, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "cs@example.org", &["openid"]).await;
    let verifier = request.verifier.secret().clone();
    let form = code_exchange_form(&code, &verifier);
    let wrong_secret = token_request(&app, ("rp", "not-the-secret"), &form).await;
    assert_eq!(wrong_secret.headers()["www-authenticate"], "Basic realm=\"mana-auth\"");
    assert_eq!(error_of(wrong_secret).await, (401, "invalid_client".into()));
    assert_eq!(error_of(token_request(&app, ("nobody", RP_SECRET), &form).await).await, (401, "invalid_client".into()));
    // Another client's credentials cannot redeem the code.
    assert_eq!(
        error_of(token_request(&app, ("consenting", RP_SECRET), &form).await).await,
        (400, "invalid_grant".into())
    );
    // A confidential client may not leave out its secret.
    let public_try = reqwest::Client::new()
        .post(app.url("/token"))
        .form(&[&form[..], &[("client_id", "rp")]].concat())
        .send()
        .await
        .expect("post");
    assert_eq!(error_of(public_try).await, (401, "invalid_client".into()));
    // None of that used the code up.
    assert_eq!(token_request(&app, ("rp", RP_SECRET), &form).await.status(), 200);
}
on_every_backend!(wrong_client_secret_or_other_client_is_refused);

async fn malformed_requests_and_unsupported_grants_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "invalid_request"),
        (&[("grant_type", "password"), ("username", "a"), ("password", "b")], "unsupported_grant_type"),
        (&[("grant_type", "client_credentials")], "unauthorized_client"),
        (&[("grant_type", "refresh_token"), ("refresh_token", "made-up")], "invalid_grant"),
    ];
    for (form, expected) in cases {
        assert_eq!(error_of(token_request(&app, ("rp", RP_SECRET), form).await).await.1, expected, "{form:?}");
    }
    let duplicated = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth("rp", Some(RP_SECRET))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("grant_type=refresh_token&grant_type=client_credentials")
        .send()
        .await
        .expect("post");
    assert_eq!(error_of(duplicated).await, (400, "invalid_request".into()));
}
on_every_backend!(malformed_requests_and_unsupported_grants_are_refused);

async fn client_credentials_issues_an_access_token_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let response = reqwest::Client::new()
        .post(app.url("/token"))
        .form(&[("grant_type", "client_credentials"), ("client_id", "service"), ("client_secret", SERVICE_SECRET)])
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.expect("json");
    assert!(body.get("refresh_token").is_none() && body.get("id_token").is_none());
    let claims = crate::oidc_flow::verify_with_jwks(&app, body["access_token"].as_str().expect("token")).await;
    assert_eq!(claims["sub"], "service");
    assert_eq!(claims["client_id"], "service");
    let openid =
        token_request(&app, ("service", SERVICE_SECRET), &[("grant_type", "client_credentials"), ("scope", "openid")])
            .await;
    assert_eq!(error_of(openid).await, (400, "invalid_scope".into()));
}
on_every_backend!(client_credentials_issues_an_access_token_only);

async fn a_token_marked_used_before_successors_were_linked_counts_as_replayed(backend: Backend) {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

    let app = TestApp::spawn(backend).await;
    app.user("legacy@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "legacy@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let access = tokens.access_token().secret().clone();
    let refresh = tokens.refresh_token().expect("refresh").secret().clone();
    let stored = mana_auth::store::refresh::find(&app.db, &refresh).await.expect("find").expect("stored");
    let mut marked = stored.into_active_model();
    marked.used_at = Set(Some(mana_auth::store::now()));
    marked.update(&app.db).await.expect("mark used");

    let replayed =
        token_request(&app, ("rp", RP_SECRET), &[("grant_type", "refresh_token"), ("refresh_token", &refresh)]).await;
    assert_eq!(error_of(replayed).await, (400, "invalid_grant".into()));
    assert_eq!(crate::common::introspect(&app, &access).await["active"], false, "the replay revoked the family");
}
on_every_backend!(a_token_marked_used_before_successors_were_linked_counts_as_replayed);
