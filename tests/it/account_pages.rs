//! The account pages of a signed-in user: the profile, the password, sessions and
//! devices, the applications let in, and the data download. Each page needs a sign-in,
//! each form its CSRF field, and each change is recorded.

use entity::{auth_sessions, security_events, users};
use mana_auth::security::passwords::NO_PASSWORD;
use openidconnect::OAuth2TokenResponse;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;

use crate::{
    common::{
        Backend, PASSWORD, RP_SECRET, TestApp,
        browser::{Browser, hidden_field, location, query_param},
        rp::RelyingParty,
        signed_in_code, token_request,
    },
    mfa::signed_in_browser,
    on_every_backend,
};

const EMAIL: &str = "ada@example.org";
const NEW_PASSWORD: &str = "a brand new passphrase";

fn pages() -> [&'static str; 5] {
    ["/account", "/account/password", "/account/sessions", "/account/apps", "/account/export"]
}

/// Every account form, with fields that would change something.
fn forms(session: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        ("/account/profile", vec![("name", "Mallory".into()), ("username", "mallory".into())]),
        ("/account/password", vec![("current_password", PASSWORD.into()), ("new_password", NEW_PASSWORD.into())]),
        ("/account/sessions/end", vec![("session", session.into())]),
        ("/account/sessions/end-others", vec![]),
        ("/account/apps/revoke", vec![("client_id", "rp".into())]),
    ]
}

async fn post(browser: &Browser, path: &str, fields: &[(&str, String)], csrf: &str) -> reqwest::Response {
    let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.push(("csrf", csrf));
    browser.post_form(path, &form).await
}

async fn csrf_of(browser: &Browser) -> String {
    hidden_field(&browser.get("/account").await.text().await.expect("page"), "csrf")
}

async fn events(app: &TestApp, user_id: &str, kind: &str) -> Vec<security_events::Model> {
    security_events::Entity::find()
        .filter(security_events::Column::UserId.eq(user_id))
        .filter(security_events::Column::Kind.eq(kind))
        .all(&app.db)
        .await
        .expect("events")
}

/// The user's sessions, with whether each is still active.
async fn sessions(app: &TestApp, user_id: &str) -> Vec<(String, bool)> {
    auth_sessions::Entity::find()
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .all(&app.db)
        .await
        .expect("sessions")
        .into_iter()
        .map(|s| (s.id, s.revoked_at.is_none()))
        .collect()
}

/// The one session of the user not among `known`: the sign-in just made.
async fn newest_session(app: &TestApp, user_id: &str, known: &[String]) -> String {
    let new: Vec<String> =
        sessions(app, user_id).await.into_iter().map(|(id, _)| id).filter(|id| !known.contains(id)).collect();
    assert_eq!(new.len(), 1);
    new[0].clone()
}

async fn stored(app: &TestApp, id: &str) -> users::Model {
    users::Entity::find_by_id(id.to_owned()).one(&app.db).await.expect("read").expect("user")
}

async fn signed_in(browser: &Browser) -> bool {
    browser.get("/account").await.status() == StatusCode::OK
}

async fn every_page_and_form_needs_a_sign_in_and_its_csrf_field(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let anonymous = Browser::new(&app.base);
    for page in pages() {
        let response = anonymous.get(page).await;
        assert_eq!((response.status(), location(&response)), (StatusCode::SEE_OTHER, "/login".into()), "{page}");
    }
    let member = signed_in_browser(&app, EMAIL).await;
    let first = newest_session(&app, &user.id, &[]).await;
    let other = signed_in_browser(&app, EMAIL).await;
    let other_sid = newest_session(&app, &user.id, &[first]).await;
    for page in pages() {
        assert_eq!(member.get(page).await.status(), StatusCode::OK, "{page}");
    }
    for (form, fields) in forms(&other_sid) {
        let response = post(&anonymous, form, &fields, "x").await;
        assert_eq!((response.status(), location(&response)), (StatusCode::SEE_OTHER, "/login".into()), "{form}");
        for forged in ["", "forged"] {
            assert_eq!(post(&member, form, &fields, forged).await.status(), StatusCode::FORBIDDEN, "{form}");
        }
        let missing: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(member.post_form(form, &missing).await.status(), StatusCode::BAD_REQUEST, "{form}");
    }
    let after = stored(&app, &user.id).await;
    assert_eq!((after.name.as_deref(), after.password_hash), (Some("Test User"), user.password_hash));
    assert!(signed_in(&other).await, "no form signed the other device out");
    let changes = security_events::Entity::find()
        .filter(security_events::Column::UserId.eq(&user.id))
        .filter(security_events::Column::Kind.is_not_in(["sign_in.succeeded", "account.created", "account.exported"]))
        .all(&app.db)
        .await
        .expect("events");
    assert!(changes.is_empty(), "nothing recorded: {changes:?}");
}
on_every_backend!(every_page_and_form_needs_a_sign_in_and_its_csrf_field);

async fn the_profile_is_edited_within_the_rules(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    app.user("grace@example.org").await;
    let browser = signed_in_browser(&app, EMAIL).await;
    let csrf = csrf_of(&browser).await;
    let profile = |name: &str, username: &str| vec![("name", name.to_owned()), ("username", username.to_owned())];

    let saved = post(&browser, "/account/profile", &profile("  Ada King ", "countess"), &csrf).await;
    assert_eq!((saved.status(), location(&saved)), (StatusCode::SEE_OTHER, "/account".into()));
    let after = stored(&app, &user.id).await;
    assert_eq!((after.name.as_deref(), after.username.as_deref()), (Some("Ada King"), Some("countess")));
    let page = browser.get("/account").await.text().await.expect("page");
    assert!(page.contains("value=\"Ada King\"") && page.contains("value=\"countess\""));
    let recorded = events(&app, &user.id, "profile.changed").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].details.as_deref(), Some(r#"{"fields":["name","username"]}"#));

    let refused = post(&browser, "/account/profile", &profile("Ada", "Not Valid"), &csrf).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let page = refused.text().await.expect("page");
    assert!(page.contains("A username has 1 to 64 lowercase letters"), "{page}");
    assert!(page.contains("value=\"Not Valid\""), "the form keeps what was typed");
    let taken = post(&browser, "/account/profile", &profile("Ada", "grace"), &csrf).await;
    assert_eq!(taken.status(), StatusCode::CONFLICT);
    assert!(taken.text().await.expect("page").contains("This username is taken"));
    let long = post(&browser, "/account/profile", &profile(&"n".repeat(201), "countess"), &csrf).await;
    assert_eq!(long.status(), StatusCode::BAD_REQUEST);
    let after = stored(&app, &user.id).await;
    assert_eq!((after.name.as_deref(), after.username.as_deref()), (Some("Ada King"), Some("countess")));

    // The same again records nothing; empty fields clear both.
    post(&browser, "/account/profile", &profile("Ada King", "countess"), &csrf).await;
    assert_eq!(events(&app, &user.id, "profile.changed").await.len(), 1);
    post(&browser, "/account/profile", &profile(" ", ""), &csrf).await;
    let after = stored(&app, &user.id).await;
    assert_eq!((after.name.as_deref(), after.username.as_deref()), (None, None));

    // A username from before the rules (an import) stays while the name changes.
    let mut row: users::ActiveModel = after.into();
    row.username = Set(Some("Ada Lovelace".into()));
    row.update(&app.db).await.expect("old username");
    let kept = post(&browser, "/account/profile", &profile("Ada", "Ada Lovelace"), &csrf).await;
    assert_eq!(kept.status(), StatusCode::SEE_OTHER);
    let after = stored(&app, &user.id).await;
    assert_eq!((after.name.as_deref(), after.username.as_deref()), (Some("Ada"), Some("Ada Lovelace")));
}
on_every_backend!(the_profile_is_edited_within_the_rules);

async fn a_new_password_needs_the_current_one_and_signs_out_other_devices(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let browser = signed_in_browser(&app, EMAIL).await;
    let other = signed_in_browser(&app, EMAIL).await;
    let csrf = csrf_of(&browser).await;
    let change =
        |current: &str, new: &str| vec![("current_password", current.to_owned()), ("new_password", new.to_owned())];

    let wrong = post(&browser, "/account/password", &change("not the password", NEW_PASSWORD), &csrf).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong.text().await.expect("page").contains("The current password is wrong."));
    let weak = post(&browser, "/account/password", &change(PASSWORD, "short"), &csrf).await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    assert_eq!(stored(&app, &user.id).await.password_hash, user.password_hash, "nothing changed");
    assert!(signed_in(&other).await);

    let done = post(&browser, "/account/password", &change(PASSWORD, NEW_PASSWORD), &csrf).await;
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.expect("page").contains("One other device was signed out."));
    assert!(signed_in(&browser).await, "this browser stays signed in");
    assert!(!signed_in(&other).await, "the other device is signed out");
    let recorded = events(&app, &user.id, "password.changed").await;
    assert_eq!(recorded[0].details.as_deref(), Some(r#"{"sessions_ended":1}"#));
    let fresh = Browser::new(&app.base);
    let page = fresh.get("/login").await.text().await.expect("page");
    assert_eq!(fresh.submit_sign_in(&page, EMAIL, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let page = fresh.get("/login").await.text().await.expect("page");
    assert_eq!(fresh.submit_sign_in(&page, EMAIL, NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);

    // An account without a password is pointed to the reset mail.
    let mut row: users::ActiveModel = stored(&app, &user.id).await.into();
    row.password_hash = Set(NO_PASSWORD.into());
    row.update(&app.db).await.expect("no password");
    let page = browser.get("/account/password").await.text().await.expect("page");
    assert!(page.contains("href=\"/password/forgot\"") && !page.contains("current_password"));
    let refused = post(&browser, "/account/password", &change("", NEW_PASSWORD), &csrf).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
}
on_every_backend!(a_new_password_needs_the_current_one_and_signs_out_other_devices);

async fn sessions_are_signed_out_one_at_a_time_or_all_but_this_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let stranger = app.user("grace@example.org").await;
    let mut ids = Vec::new();
    let browser = signed_in_browser(&app, EMAIL).await;
    ids.push(newest_session(&app, &user.id, &ids).await);
    let (rp, request, code, second) = signed_in_code(&app, "rp", Some(RP_SECRET), EMAIL, &["openid"]).await;
    ids.push(newest_session(&app, &user.id, &ids).await);
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let refresh = tokens.refresh_token().expect("refresh token").secret().clone();
    let third = signed_in_browser(&app, EMAIL).await;
    let strangers = signed_in_browser(&app, "grace@example.org").await;
    let csrf = csrf_of(&browser).await;

    let page = browser.get("/account/sessions").await.text().await.expect("page");
    assert_eq!(page.matches("name=\"session\"").count(), 2, "a form for each other session");
    assert_eq!(page.matches("(this device)").count(), 1);
    assert!(!page.contains(&format!("value=\"{}\"", ids[0])), "this browser's own signs out with the link");

    // Another account's session is not ours to end.
    let strangers_sid = sessions(&app, &stranger.id).await[0].0.clone();
    let theirs = post(&browser, "/account/sessions/end", &[("session", strangers_sid)], &csrf).await;
    assert_eq!(location(&theirs), "/account/sessions");
    assert!(signed_in(&strangers).await);

    let ended = post(&browser, "/account/sessions/end", &[("session", ids[1].clone())], &csrf).await;
    assert_eq!(location(&ended), "/account/sessions");
    assert!(!signed_in(&second).await && signed_in(&third).await && signed_in(&browser).await);
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let refreshed = token_request(&app, ("rp", RP_SECRET), &form).await;
    assert_eq!(refreshed.status(), StatusCode::BAD_REQUEST, "its refresh token is revoked");
    let logout = crate::account_deletion::logout_tokens(&app).await;
    assert_eq!(crate::common::claims_of(&logout[0])["sid"], ids[1].as_str(), "the client hears of it");
    let recorded = events(&app, &user.id, "session.ended").await;
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].details.as_deref().unwrap_or_default().contains(&ids[1]));

    let own = post(&browser, "/account/sessions/end", &[("session", ids[0].clone())], &csrf).await;
    assert_eq!(location(&own), "/logout", "this browser signs out through the sign-out page");

    let others = post(&browser, "/account/sessions/end-others", &[], &csrf).await;
    assert_eq!(location(&others), "/account/sessions");
    assert!(!signed_in(&third).await && signed_in(&browser).await && signed_in(&strangers).await);
    let active: Vec<String> =
        sessions(&app, &user.id).await.into_iter().filter(|(_, active)| *active).map(|(id, _)| id).collect();
    assert_eq!(active, vec![ids[0].clone()]);
    assert_eq!(events(&app, &user.id, "sessions.revoked_all").await.len(), 1);
    // Nothing left to end records nothing.
    post(&browser, "/account/sessions/end-others", &[], &csrf).await;
    assert_eq!(events(&app, &user.id, "sessions.revoked_all").await.len(), 1);
}
on_every_backend!(sessions_are_signed_out_one_at_a_time_or_all_but_this_one);

/// Signs in to the consenting client through its consent page; returns its refresh token.
async fn consented(app: &TestApp, browser: &Browser) -> String {
    let rp = RelyingParty::discover(&app.base, "consenting", Some(RP_SECRET)).await;
    let request = rp.authorize(&["openid", "email"]);
    let (consent, _) = browser.follow(browser.get(&request.url).await).await;
    let html = consent.text().await.expect("consent page");
    assert!(html.contains("See your email address"), "consent is asked");
    let allow = [("csrf", hidden_field(&html, "csrf")), ("req", hidden_field(&html, "req"))];
    let mut form: Vec<(&str, &str)> = allow.iter().map(|(k, v)| (*k, v.as_str())).collect();
    form.push(("decision", "allow"));
    let (_, left) = browser.follow(browser.post_form("/consent", &form).await).await;
    let code = query_param(&left.expect("back to the client"), "code").expect("code");
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    tokens.refresh_token().expect("refresh token").secret().clone()
}

async fn an_application_let_in_is_listed_and_its_access_taken_back(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let browser = signed_in_browser(&app, EMAIL).await;
    let csrf = csrf_of(&browser).await;
    assert!(browser.get("/account/apps").await.text().await.expect("page").contains("No application has access"));
    let refresh = consented(&app, &browser).await;

    let page = browser.get("/account/apps").await.text().await.expect("page");
    assert!(page.contains("Test consenting") && page.contains("See your email address"), "{page}");
    assert!(page.contains("Stays signed in while you are away."));
    assert_eq!(hidden_field(&page, "client_id"), "consenting");

    let forged = post(&browser, "/account/apps/revoke", &[("client_id", "consenting".into())], "forged").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let unknown = post(&browser, "/account/apps/revoke", &[("client_id", "nobody".into())], &csrf).await;
    assert_eq!(location(&unknown), "/account/apps");
    assert!(events(&app, &user.id, "consent.revoked").await.is_empty(), "nothing to take back, nothing recorded");

    let revoked = post(&browser, "/account/apps/revoke", &[("client_id", "consenting".into())], &csrf).await;
    assert_eq!(location(&revoked), "/account/apps");
    assert!(browser.get("/account/apps").await.text().await.expect("page").contains("No application has access"));
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let refused = token_request(&app, ("consenting", RP_SECRET), &form).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert_eq!(refused.json::<Value>().await.expect("json")["error"], "invalid_grant");
    let recorded = events(&app, &user.id, "consent.revoked").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].client_id.as_deref(), Some("consenting"));
    assert_eq!(recorded[0].details.as_deref(), Some(r#"{"consent":true,"refresh_tokens":1}"#));
    // The next sign-in to it asks for consent again.
    consented(&app, &browser).await;
}
on_every_backend!(an_application_let_in_is_listed_and_its_access_taken_back);

async fn the_data_download_holds_the_account_and_nobody_else(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    app.user("grace@example.org").await;
    signed_in_browser(&app, "grace@example.org").await;
    let browser = signed_in_browser(&app, EMAIL).await;
    consented(&app, &browser).await;

    let response = browser.get("/account/export").await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()["content-disposition"].to_str().expect("header").to_owned();
    assert_eq!(disposition, "attachment; filename=\"mana-auth-account.json\"");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body = response.text().await.expect("body");
    assert!(!body.contains("grace"), "nothing of another account");
    assert!(!body.contains(&user.password_hash), "no password hash");
    let export: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(export["profile"]["email"], EMAIL);
    assert_eq!(export["profile"]["username"], "ada");
    assert_eq!(export["sessions"].as_array().expect("sessions").len(), 1);
    assert_eq!(export["sessions"][0]["current"], true);
    assert_eq!(export["applications"][0]["clientId"], "consenting");
    let kinds: Vec<&str> =
        export["securityEvents"].as_array().expect("events").iter().filter_map(|e| e["type"].as_str()).collect();
    assert!(kinds.contains(&"sign_in.succeeded"), "{kinds:?}");
    assert!(export["credits"]["transactions"].is_array());
    assert_eq!(export["credits"]["freeBalance"].as_i64(), Some(app.state.config.credits.signup_bonus));
    assert_eq!(events(&app, &user.id, "account.exported").await.len(), 1);
}
on_every_backend!(the_data_download_holds_the_account_and_nobody_else);

async fn guessing_the_password_on_the_account_pages_is_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let browser = signed_in_browser(&app, EMAIL).await;
    let csrf = csrf_of(&browser).await;
    let guess = |password: &str| vec![("current_password", password.to_owned()), ("new_password", NEW_PASSWORD.into())];
    let limit = app.state.config.security.rate_limit.signin_per_account;
    for n in 0..limit {
        let wrong = post(&browser, "/account/password", &guess(&format!("guess {n}")), &csrf).await;
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    }
    let throttled = post(&browser, "/account/password", &guess(PASSWORD), &csrf).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS, "even the right password waits");
    let email = [("new_email", "new@example.org".to_owned()), ("password", PASSWORD.to_owned())];
    assert_eq!(post(&browser, "/account/email", &email, &csrf).await.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(stored(&app, &user.id).await.password_hash, user.password_hash);
}
on_every_backend!(guessing_the_password_on_the_account_pages_is_limited);

async fn guessing_the_password_to_delete_the_account_is_limited(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let browser = signed_in_browser(&app, EMAIL).await;
    let csrf = csrf_of(&browser).await;
    let guess = |password: &str| vec![("password", password.to_owned()), ("confirm", "yes".to_owned())];
    for n in 0..app.state.config.security.rate_limit.signin_per_account {
        let wrong = post(&browser, "/account/delete", &guess(&format!("guess {n}")), &csrf).await;
        assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    }
    let throttled = post(&browser, "/account/delete", &guess(PASSWORD), &csrf).await;
    assert_eq!(throttled.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(stored(&app, &user.id).await.email, EMAIL, "not deleted");
}
on_every_backend!(guessing_the_password_to_delete_the_account_is_limited);
