//! Deleting an account: in the API, on the hosted page and by an operator. Afterwards
//! every token of the account fails, its relying parties hear of it on the back
//! channel, the ledger is balanced, no row holds its personal data and its email can
//! register again. An organization it alone owns blocks it until ownership moves.

use entity::{auth_sessions, security_events, users};
use mana_auth::{admin::backups, ops::backup, security::passwords::NO_PASSWORD};
use reqwest::{Method, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, RP_SECRET, TestApp,
        api::{Api, text},
        browser::hidden_field,
        signed_in_code,
    },
    mfa::{code, enrol, signed_in_browser},
    on_every_backend,
};

const EMAIL: &str = "ada.lovelace@example.org";
const DEVICE: &str = "Ada's Analytical Engine";

async fn delete_me(api: &Api, token: &str, body: Value) -> (StatusCode, Value) {
    api.call(Method::DELETE, "/api/v1/auth/me", Some(token), Some(&body)).await
}

/// The logout tokens delivered so far, after waiting up to five seconds for the first.
pub(crate) async fn logout_tokens(app: &TestApp) -> Vec<String> {
    for _ in 0..50 {
        let tokens = app.logout_tokens.lock().await.clone();
        if !tokens.is_empty() {
            return tokens;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Vec::new()
}

/// A backup taken now names the deleted person nowhere, and the rows kept for the
/// account hold no device, address or user agent.
async fn assert_erased(app: &TestApp, user_id: &str) {
    let dir = std::env::temp_dir().join(format!("mana-auth-erased-{}", mana_auth::security::opaque::random_token(6)));
    let file = backups::create(&app.db, &app.state.config, Some(&dir), true).await.expect("backup").path;
    let snapshot = backup::read(&std::fs::read(&file).expect("read"), None).expect("the backup opens");
    let rows = serde_json::to_string(&snapshot.tables).expect("json");
    std::fs::remove_dir_all(dir).ok();
    assert!(rows.contains(user_id), "the backup holds the tombstone");
    for personal in [EMAIL, "ada.lovelace", "Test User", DEVICE] {
        assert!(!rows.contains(personal), "{personal} is still stored");
    }
    let user = users::Entity::find_by_id(user_id).one(&app.db).await.expect("user").expect("tombstone");
    assert!(user.name.is_none() && user.username.is_none() && user.password_hash.is_empty());
    let sessions = auth_sessions::Entity::find()
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .expect("sessions");
    for session in sessions {
        assert!(session.revoked_at.is_some());
        assert!(session.ip.is_none() && session.user_agent.is_none());
        assert!(session.device_id.is_none() && session.device_name.is_none());
    }
    let events = security_events::Entity::find()
        .filter(security_events::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .expect("events");
    assert!(events.iter().all(|e| e.ip.is_none() && e.user_agent.is_none()));
    let deleted = events.iter().find(|e| e.kind == "user.deleted").expect("a user.deleted event");
    assert!(!deleted.details.as_deref().unwrap_or_default().contains('@'));
}

async fn assert_doctor_clean(app: &TestApp) {
    for check in mana_auth::ops::doctor::run(&app.db, &app.state.config).await.expect("doctor") {
        assert!(check.problems.is_empty(), "{}: {:?}", check.name, check.problems);
    }
}

async fn the_api_deletes_an_account_and_every_trace_of_it(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let api = Api::new(&app.base);
    let native = api.login(EMAIL, Some(DEVICE)).await;
    let access = text(&native, "accessToken");
    let (status, _) =
        api.post("/api/v1/credits/use", Some(&access), &json!({"amount": 30, "appId": "a", "description": "d"})).await;
    assert_eq!(status, 200);
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), EMAIL, &["openid"]).await;
    let rp_tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let rp_access = openidconnect::OAuth2TokenResponse::access_token(&rp_tokens).secret().clone();

    // A wrong password, or none, deletes nothing.
    let (status, body) = delete_me(&api, &access, json!({"password": "not the password"})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")));
    let (status, _) = delete_me(&api, &access, json!({})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(api.get("/api/v1/auth/me", &access).await.0, 200);

    let (status, body) = delete_me(&api, &access, json!({"password": PASSWORD})).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // Every token of the account fails, wherever it is shown.
    assert_eq!(api.get("/api/v1/auth/me", &access).await.0, 401);
    assert_eq!(api.validate(&access).await["valid"], false);
    assert_eq!(api.get("/api/v1/credits/balance", &access).await.0, 401);
    let (status, _) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": native["refreshToken"]})).await;
    assert_eq!(status, 401);
    let userinfo = rp.http.get(app.url("/userinfo")).bearer_auth(&rp_access).send().await.expect("userinfo");
    assert_eq!(userinfo.status(), 401);
    let (status, _) = api.post("/api/v1/auth/login", None, &json!({"email": EMAIL, "password": PASSWORD})).await;
    assert_eq!(status, 401);

    // The relying party heard of it on the back channel.
    let tokens = logout_tokens(&app).await;
    assert_eq!(tokens.len(), 1, "one logout token, for the session the relying party saw");
    assert_eq!(crate::common::claims_of(&tokens[0])["sub"], user.id.as_str());

    assert_erased(&app, &user.id).await;
    assert_doctor_clean(&app).await;
    let (free, paid) = mana_auth::store::ledger::wallet_balances(&app.db, &user.id).await.expect("wallets");
    assert_eq!((free, paid), (0, 0), "the wallets were closed");

    // The address is free again, for a new account with a new id.
    let (status, again) = api.post("/api/v1/auth/register", None, &json!({"email": EMAIL, "password": PASSWORD})).await;
    assert_eq!(status, 201, "{again}");
    assert_ne!(again["id"], user.id.as_str());
    assert_eq!(api.login(EMAIL, None).await["user"]["id"], again["id"]);
}
on_every_backend!(the_api_deletes_an_account_and_every_trace_of_it);

async fn an_organization_owned_alone_blocks_deletion_until_ownership_moves(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let b2b = json!({"organizationName": "Acme Looms", "ownerEmail": "boss@example.org", "ownerPassword": PASSWORD});
    assert_eq!(api.post("/api/v1/auth/register/b2b", None, &b2b).await.0, 201);
    let boss = api.login("boss@example.org", None).await;
    let boss_token = text(&boss, "accessToken");
    let (_, organizations) = api.get("/api/v1/auth/organizations", &boss_token).await;
    let org_id = organizations[0]["id"].as_str().expect("organization id").to_owned();
    let members = format!("/api/v1/organizations/{org_id}/members");
    api.signed_up("weaver@example.org").await;
    let (status, _) =
        api.post(&members, Some(&boss_token), &json!({"email": "weaver@example.org", "role": "member"})).await;
    assert_eq!(status, 201);

    let (status, body) = delete_me(&api, &boss_token, json!({"password": PASSWORD})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(body["error"], "sole_owner");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("Acme Looms")), "{body}");
    assert_eq!(api.get("/api/v1/auth/me", &boss_token).await.0, 200, "nothing changed");
    assert_eq!(api.get(&members, &boss_token).await.1.as_array().map(Vec::len), Some(2));

    // Another owner: now the account can go, and the organization stays with them.
    let heir = api.signed_up("heir@example.org").await;
    let (status, _) =
        api.post(&members, Some(&boss_token), &json!({"email": "heir@example.org", "role": "owner"})).await;
    assert_eq!(status, 201);
    assert_eq!(delete_me(&api, &boss_token, json!({"password": PASSWORD})).await.0, StatusCode::NO_CONTENT);
    let (status, left) = api.get(&members, &text(&heir, "accessToken")).await;
    assert_eq!(status, 200);
    let emails: Vec<&str> = left.as_array().expect("members").iter().filter_map(|m| m["email"].as_str()).collect();
    assert_eq!(emails.len(), 2);
    assert!(!emails.contains(&"boss@example.org"));

    // An organization with nobody else in it goes with its only member.
    let solo = json!({"organizationName": "Solo Looms", "ownerEmail": "solo@example.org", "ownerPassword": PASSWORD});
    assert_eq!(api.post("/api/v1/auth/register/b2b", None, &solo).await.0, 201);
    let solo_token = text(&api.login("solo@example.org", None).await, "accessToken");
    assert_eq!(delete_me(&api, &solo_token, json!({"password": PASSWORD})).await.0, StatusCode::NO_CONTENT);
    let names: Vec<String> = entity::organizations::Entity::find()
        .all(&app.db)
        .await
        .expect("organizations")
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Acme Looms"]);
    assert_doctor_clean(&app).await;
}
on_every_backend!(an_organization_owned_alone_blocks_deletion_until_ownership_moves);

async fn the_account_page_deletes_after_a_confirmation(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let browser = signed_in_browser(&app, EMAIL).await;
    let (secret, _, _) = enrol(&browser).await;
    let page = browser.get("/account/delete").await.text().await.expect("page");
    assert!(page.contains(EMAIL) && page.contains("name=\"code\""), "{page}");
    let csrf = hidden_field(&page, "csrf");
    let post = |form: Vec<(&'static str, String)>| {
        let browser = &browser;
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            browser.post_form("/account/delete", &form).await
        }
    };
    let password = || ("password", PASSWORD.to_owned());
    let ticked = || ("confirm", "yes".to_owned());
    let next_code = code(&secret, 1);

    let refused = [
        (vec![password(), ticked(), ("code", next_code.clone()), ("csrf", "forged".into())], StatusCode::FORBIDDEN),
        (vec![password(), ("code", next_code.clone()), ("csrf", csrf.clone())], StatusCode::BAD_REQUEST),
        (vec![password(), ticked(), ("csrf", csrf.clone())], StatusCode::BAD_REQUEST),
        (
            vec![("password", "wrong".into()), ticked(), ("code", next_code.clone()), ("csrf", csrf.clone())],
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (form, status) in refused {
        assert_eq!(post(form).await.status(), status);
        assert!(browser.get("/").await.text().await.expect("home").contains(EMAIL), "still there, still signed in");
    }

    let done = post(vec![password(), ticked(), ("code", next_code), ("csrf", csrf)]).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.expect("page").contains("Account deleted"));
    assert!(!browser.get("/").await.text().await.expect("home").contains(EMAIL), "signed out");
    assert_erased(&app, &user.id).await;
    let credential = entity::totp_credentials::Entity::find_by_id(user.id.clone()).one(&app.db).await.expect("mfa");
    assert!(credential.is_none(), "the second factor is gone");
}
on_every_backend!(the_account_page_deletes_after_a_confirmation);

async fn operators_delete_an_account_by_email(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let api = Api::new(&app.base);
    let native = api.login(EMAIL, Some(DEVICE)).await;
    let unknown = mana_auth::admin::users::delete(&app.state, "nobody@example.org").await;
    assert!(unknown.is_err_and(|e| e.to_string().contains("no user")));
    let deleted = mana_auth::admin::users::delete(&app.state, EMAIL).await.expect("deleted");
    assert_eq!(deleted, user.id);
    assert_eq!(api.validate(&text(&native, "accessToken")).await["valid"], false);
    assert_erased(&app, &user.id).await;
    let event = security_events::Entity::find()
        .filter(security_events::Column::Kind.eq("user.deleted"))
        .one(&app.db)
        .await
        .expect("event")
        .expect("recorded");
    assert!(event.details.as_deref().is_some_and(|d| d.contains("operator")));
}
on_every_backend!(operators_delete_an_account_by_email);

async fn email_of(app: &TestApp, id: &str) -> String {
    users::Entity::find_by_id(id.to_owned()).one(&app.db).await.expect("read").expect("user").email
}

/// Makes the account one without a password, as a passkey sign-up makes it.
async fn without_password(app: &TestApp, id: &str) {
    users::Entity::update_many()
        .col_expr(users::Column::PasswordHash, sea_orm::sea_query::Expr::value(NO_PASSWORD))
        .filter(users::Column::Id.eq(id))
        .exec(&app.db)
        .await
        .expect("no password");
}

async fn an_account_without_a_password_is_deleted_after_a_recent_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let browser = signed_in_browser(&app, EMAIL).await;
    without_password(&app, &user.id).await;

    // Signed in ten minutes ago: asked to sign in again first, and nothing is deleted.
    auth_sessions::Entity::update_many()
        .col_expr(auth_sessions::Column::AuthTime, sea_orm::sea_query::Expr::value(mana_auth::store::now() - 600))
        .filter(auth_sessions::Column::UserId.eq(user.id.as_str()))
        .exec(&app.db)
        .await
        .expect("aged");
    let page = browser.get("/account/delete").await.text().await.expect("page");
    assert!(page.contains("href=\"/account/delete/sign-in\"") && !page.contains("name=\"password\""));
    let csrf = hidden_field(&browser.get("/account").await.text().await.expect("page"), "csrf");
    let stale = browser.post_form("/account/delete", &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(stale.status(), StatusCode::BAD_REQUEST);
    assert!(stale.text().await.expect("page").contains("Sign in again first"));
    assert_eq!(email_of(&app, &user.id).await, EMAIL, "not deleted");
    let again = browser.get("/account/delete/sign-in").await;
    assert_eq!(crate::common::browser::location(&again), "/login?reauth=account");
    let login = browser.get("/login?reauth=account").await.text().await.expect("page");
    assert!(login.contains("Sign in again to confirm it is you."));

    // Signed in just now: the ticked box is enough.
    auth_sessions::Entity::update_many()
        .col_expr(auth_sessions::Column::AuthTime, sea_orm::sea_query::Expr::value(mana_auth::store::now()))
        .filter(auth_sessions::Column::UserId.eq(user.id.as_str()))
        .exec(&app.db)
        .await
        .expect("fresh");
    let unticked = browser.post_form("/account/delete", &[("csrf", &csrf)]).await;
    assert_eq!(unticked.status(), StatusCode::BAD_REQUEST);
    let deleted = browser.post_form("/account/delete", &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(deleted.status(), StatusCode::OK);
    assert_ne!(email_of(&app, &user.id).await, EMAIL, "erased");
}
on_every_backend!(an_account_without_a_password_is_deleted_after_a_recent_sign_in);
