//! The admin pages: who may open them (a recent sign-in with its second step, the
//! admin role), CSRF on every form, and what each action does and records.

use entity::{auth_sessions, security_events, users};
use mana_auth::admin::roles::{By, grant_admin};
use reqwest::StatusCode;
use sea_orm::{
    ColumnTrait, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use serde_json::json;

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        api::{Api, text},
        authenticator::{Authenticator, origin_of},
        browser::{Browser, hidden_field, location},
    },
    mfa::{code, enrol, signed_in_browser},
    on_every_backend, passkeys,
};

/// Every admin page, and every admin form, with a user to act on (and the client `rp`).
fn pages(id: &str) -> Vec<String> {
    let mut pages: Vec<String> = [
        "/admin",
        "/admin/users",
        "/admin/users?q=ada&page=1",
        "/admin/clients",
        "/admin/clients/new",
        "/admin/clients/rp",
        "/admin/organizations",
        "/admin/credits",
        "/admin/keys",
        "/admin/audit",
        "/admin/system",
        "/admin/upstreams",
        "/admin/upstreams/new",
    ]
    .map(String::from)
    .to_vec();
    pages.push(format!("/admin/users/{id}"));
    pages
}

fn forms(id: &str) -> Vec<String> {
    let on_user =
        ["sessions/end", "disable", "enable", "admin/grant", "admin/revoke", "mfa/reset", "password/reset", "delete"];
    let on_client = ["", "/secret", "/disable", "/enable", "/delete"];
    let others = [
        "/admin/clients",
        "/admin/credits",
        "/admin/keys/rotate",
        "/admin/keys/emergency",
        "/admin/system/backup",
        "/admin/upstreams",
        "/admin/upstreams/corp",
        "/admin/upstreams/corp/delete",
    ];
    on_user
        .iter()
        .map(|action| format!("/admin/users/{id}/{action}"))
        .chain(on_client.iter().map(|action| format!("/admin/clients/rp{action}")))
        .chain(others.iter().map(|form| (*form).to_owned()))
        .collect()
}

/// An administrator signed in with the password and a code just now.
pub(crate) async fn admin_browser(app: &TestApp, email: &str) -> (Browser, users::Model) {
    let user = app.user(email).await;
    grant_admin(&app.db, &user, By::Operator).await.expect("granted");
    let (secret, _, _) = enrol(&signed_in_browser(app, email).await).await;
    let browser = Browser::new(&app.base);
    let page = browser.get("/login").await.text().await.expect("page");
    let step = browser.submit_sign_in(&page, email, PASSWORD).await.text().await.expect("code page");
    let done =
        browser.post_form("/login/mfa", &[("code", &code(&secret, 1)), ("csrf", &hidden_field(&step, "csrf"))]).await;
    assert_eq!(location(&done), "/");
    (browser, user)
}

/// Moves the user's sign-ins `secs` into the past.
async fn age_sign_ins(app: &TestApp, user_id: &str, secs: i64) {
    auth_sessions::Entity::update_many()
        .col_expr(auth_sessions::Column::AuthTime, Expr::col(auth_sessions::Column::AuthTime).sub(secs))
        .filter(auth_sessions::Column::UserId.eq(user_id))
        .exec(&app.db)
        .await
        .expect("aged");
}

pub(crate) async fn events(app: &TestApp, kind: &str) -> Vec<security_events::Model> {
    security_events::Entity::find().filter(security_events::Column::Kind.eq(kind)).all(&app.db).await.expect("events")
}

async fn role(app: &TestApp, id: &str) -> String {
    users::Entity::find_by_id(id.to_owned()).one(&app.db).await.expect("read").expect("user").role
}

async fn only_administrators_with_a_recent_second_step_get_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, admin_user) = admin_browser(&app, "root@example.org").await;
    let target = app.user("ada@example.org").await;
    let member = signed_in_browser(&app, "ada@example.org").await;
    let anonymous = Browser::new(&app.base);
    let member_csrf = hidden_field(&member.get("/account/delete").await.text().await.expect("page"), "csrf");
    for page in pages(&target.id) {
        let response = anonymous.get(&page).await;
        assert_eq!(
            (response.status(), location(&response)),
            (StatusCode::SEE_OTHER, "/login?reauth=1".into()),
            "{page}"
        );
        assert_eq!(member.get(&page).await.status(), StatusCode::FORBIDDEN, "{page}");
        assert_eq!(admin.get(&page).await.status(), StatusCode::OK, "{page}");
    }
    for form in forms(&target.id) {
        assert_eq!(anonymous.post_form(&form, &[("csrf", "x")]).await.status(), StatusCode::SEE_OTHER, "{form}");
        let refused = member.post_form(&form, &[("csrf", &member_csrf)]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{form}");
    }
    assert_eq!(role(&app, &target.id).await, "user", "nothing a non-admin posted changed anything");
    // Sixteen minutes later, the same session must sign in again, and comes back.
    age_sign_ins(&app, &admin_user.id, 16 * 60).await;
    for page in pages(&target.id) {
        assert_eq!(location(&admin.get(&page).await), "/login?reauth=1", "{page}");
    }
    for form in forms(&target.id) {
        let refused = admin.post_form(&form, &[("csrf", "x")]).await;
        assert_eq!(location(&refused), "/login?reauth=1", "{form}");
    }
    let stale = admin.get("/admin/users?q=ada").await;
    assert_eq!(location(&stale), "/login?reauth=1");
    let page = admin.get("/login?reauth=1").await.text().await.expect("page");
    assert!(page.contains("Sign in again to continue to the administration."));
    let step = admin.submit_sign_in(&page, "root@example.org", PASSWORD).await.text().await.expect("code page");
    let wrong = admin.post_form("/login/mfa", &[("code", "000000"), ("csrf", &hidden_field(&step, "csrf"))]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "the second step is asked again");
}
on_every_backend!(only_administrators_with_a_recent_second_step_get_in);

async fn a_sign_in_too_old_returns_to_the_page_after_signing_in_again(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.admin.require_mfa = Some(false)).await;
    let user = app.user("root@example.org").await;
    grant_admin(&app.db, &user, By::Operator).await.expect("granted");
    let admin = signed_in_browser(&app, "root@example.org").await;
    assert_eq!(admin.get("/admin").await.status(), StatusCode::OK, "no second factor needed here");
    age_sign_ins(&app, &user.id, 16 * 60).await;
    assert_eq!(location(&admin.get("/admin/users?q=root").await), "/login?reauth=1");
    let page = admin.get("/login?reauth=1").await.text().await.expect("page");
    let signed_in = admin.submit_sign_in(&page, "root@example.org", PASSWORD).await;
    assert_eq!(location(&signed_in), "/admin/users?q=root", "back where the administrator was");
    assert_eq!(admin.get("/admin/users?q=root").await.status(), StatusCode::OK);
    // Only once: the next sign-in goes home.
    let page = admin.get("/login").await.text().await.expect("page");
    assert_eq!(location(&admin.submit_sign_in(&page, "root@example.org", PASSWORD).await), "/");
}
on_every_backend!(a_sign_in_too_old_returns_to_the_page_after_signing_in_again);

async fn administrators_without_a_second_factor_are_refused_when_it_is_required(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user("root@example.org").await;
    grant_admin(&app.db, &user, By::Operator).await.expect("granted");
    let admin = signed_in_browser(&app, "root@example.org").await;
    let refused = admin.get("/admin").await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.text().await.expect("page").contains("set one up on your account first"));
    let home = admin.get("/").await.text().await.expect("home");
    assert!(home.contains(r#"href="/admin""#), "administrators find the admin pages from home");
}
on_every_backend!(administrators_without_a_second_factor_are_refused_when_it_is_required);

async fn forms_without_their_csrf_field_change_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    let target = app.user("ada@example.org").await;
    signed_in_browser(&app, "ada@example.org").await;
    for form in forms(&target.id) {
        // Every other field a form takes is there and valid: only the CSRF field is wrong.
        let valid = [
            ("confirm", "ada@example.org"),
            ("email", "ada@example.org"),
            ("amount", "5"),
            ("reason", "test"),
            ("name", "Changed"),
            ("redirect_uris", "https://changed.example.org/cb"),
            ("grant_authorization_code", "on"),
        ];
        for (csrf, status) in [(None, 400), (Some(""), 403), (Some("forged"), 403)] {
            let mut fields = valid.to_vec();
            fields.extend(csrf.map(|c| ("csrf", c)));
            let response = admin.post_form(&form, &fields).await;
            assert_eq!(response.status().as_u16(), status, "{form} {csrf:?}");
        }
    }
    assert_eq!(role(&app, &target.id).await, "user");
    let rp = mana_auth::store::clients::find(&app.db, "rp").await.expect("read").expect("rp");
    assert_eq!((rp.name.as_str(), rp.disabled), ("Test rp", false), "the client is as it was");
    assert!(
        events(&app, "admin.credits_adjusted").await.is_empty() && events(&app, "admin.keys_rotated").await.is_empty()
    );
    let sessions = auth_sessions::Entity::find()
        .filter(auth_sessions::Column::UserId.eq(target.id.as_str()))
        .filter(auth_sessions::Column::RevokedAt.is_null())
        .all(&app.db)
        .await
        .expect("sessions");
    assert_eq!(sessions.len(), 1, "the session lives on");
}
on_every_backend!(forms_without_their_csrf_field_change_nothing);

async fn users_are_found_by_email_name_or_username_a_page_at_a_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    for n in 0..30 {
        app.user(&format!("user{n:02}@example.org")).await;
    }
    app.user("percent_50@example.org").await;
    let first = admin.get("/admin/users?q=USER").await.text().await.expect("page");
    assert_eq!(first.matches("@example.org</a>").count(), 25, "a page holds 25");
    assert!(first.contains("user00@example.org") && !first.contains("user29@example.org"));
    assert!(first.contains("page=1") && !first.contains("page=0"), "a next page, no previous");
    let second = admin.get("/admin/users?q=USER&page=1").await.text().await.expect("page");
    assert!(second.contains("user29@example.org") && second.contains("page=0"));
    let by_name = admin.get("/admin/users?q=test%20user").await.text().await.expect("page");
    assert!(by_name.contains("user07@example.org"), "found by name");
    let by_username = admin.get("/admin/users?q=percent_5").await.text().await.expect("page");
    assert_eq!(by_username.matches("@example.org</a>").count(), 1, "`_` matches itself only");
    for page in ["99999", "18446744073709551615"] {
        let far = admin.get(&format!("/admin/users?page={page}")).await;
        assert_eq!(far.status(), StatusCode::OK, "page {page}");
        assert!(far.text().await.expect("page").contains("No account matches."));
    }
    let wildcard = admin.get("/admin/users?q=%25").await.text().await.expect("page");
    assert!(wildcard.contains("No account matches."), "`%` matches itself only");
}
on_every_backend!(users_are_found_by_email_name_or_username_a_page_at_a_time);

async fn ending_a_users_sessions_signs_them_out_and_is_recorded(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, root) = admin_browser(&app, "root@example.org").await;
    let target = app.user("ada@example.org").await;
    let victim = signed_in_browser(&app, "ada@example.org").await;
    let page = admin.get(&format!("/admin/users/{}", target.id)).await.text().await.expect("page");
    assert!(page.contains("Sessions and devices") && page.contains("Last sign-in: 20"), "{page}");
    let ended = admin
        .post_form(&format!("/admin/users/{}/sessions/end", target.id), &[("csrf", &hidden_field(&page, "csrf"))])
        .await;
    assert_eq!(location(&ended), format!("/admin/users/{}", target.id));
    let home = victim.get("/").await.text().await.expect("home");
    assert!(!home.contains("ada@example.org"), "signed out");
    let recorded = events(&app, "admin.sessions_ended").await;
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].user_id.as_deref(), Some(target.id.as_str()));
    assert!(
        recorded[0].details.as_deref().is_some_and(|d| d.contains(&root.id) && d.contains(r#""sessions_ended":1"#))
    );
}
on_every_backend!(ending_a_users_sessions_signs_them_out_and_is_recorded);

async fn the_admin_role_is_granted_and_taken_back_but_never_from_the_last(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, root) = admin_browser(&app, "root@example.org").await;
    let target = app.user("ada@example.org").await;
    let page = admin.get(&format!("/admin/users/{}", target.id)).await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let granted = admin.post_form(&format!("/admin/users/{}/admin/grant", target.id), &[("csrf", &csrf)]).await;
    assert_eq!(granted.status(), StatusCode::SEE_OTHER);
    assert_eq!(role(&app, &target.id).await, "admin");
    let recorded = events(&app, "admin.granted").await;
    assert!(recorded.iter().any(|e| e.user_id.as_deref() == Some(target.id.as_str())
        && e.details.as_deref().is_some_and(|d| d.contains(&root.id))));
    let revoked = admin.post_form(&format!("/admin/users/{}/admin/revoke", target.id), &[("csrf", &csrf)]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(role(&app, &target.id).await, "user");
    assert_eq!(events(&app, "admin.revoked").await.len(), 1);
    let last = admin.post_form(&format!("/admin/users/{}/admin/revoke", root.id), &[("csrf", &csrf)]).await;
    assert_eq!(last.status(), StatusCode::CONFLICT);
    assert!(last.text().await.expect("page").contains("This is the last administrator"));
    assert_eq!(role(&app, &root.id).await, "admin");
    assert_eq!(events(&app, "admin.revoked").await.len(), 1, "nothing recorded for a refusal");
}
on_every_backend!(the_admin_role_is_granted_and_taken_back_but_never_from_the_last);

async fn two_administrators_taking_the_role_from_each_other_leave_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (first, one) = admin_browser(&app, "one@example.org").await;
    let (second, two) = admin_browser(&app, "two@example.org").await;
    let csrf_of = |html: String| hidden_field(&html, "csrf");
    let first_csrf = csrf_of(first.get(&format!("/admin/users/{}", two.id)).await.text().await.expect("page"));
    let second_csrf = csrf_of(second.get(&format!("/admin/users/{}", one.id)).await.text().await.expect("page"));
    for _ in 0..3 {
        let (revoke_two, revoke_one) =
            (format!("/admin/users/{}/admin/revoke", two.id), format!("/admin/users/{}/admin/revoke", one.id));
        let (first_form, second_form) = ([("csrf", first_csrf.as_str())], [("csrf", second_csrf.as_str())]);
        let (a, b) =
            tokio::join!(first.post_form(&revoke_two, &first_form), second.post_form(&revoke_one, &second_form));
        let statuses = [a.status(), b.status()];
        let admins = [role(&app, &one.id).await, role(&app, &two.id).await];
        assert_eq!(admins.iter().filter(|r| *r == "admin").count(), 1, "{statuses:?}");
        // Put the role back for the next round.
        for user in [&one, &two] {
            grant_admin(&app.db, user, By::Operator).await.expect("granted");
        }
    }
}
on_every_backend!(two_administrators_taking_the_role_from_each_other_leave_one);

async fn a_disabled_account_can_neither_sign_in_nor_refresh_until_enabled(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, root) = admin_browser(&app, "root@example.org").await;
    let target = app.user("ada@example.org").await;
    let api = Api::new(&app.base);
    let tokens = api.login("ada@example.org", None).await;
    let page = admin.get(&format!("/admin/users/{}", target.id)).await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let disabled = admin.post_form(&format!("/admin/users/{}/disable", target.id), &[("csrf", &csrf)]).await;
    assert_eq!(location(&disabled), format!("/admin/users/{}", target.id));
    let page = admin.get(&format!("/admin/users/{}", target.id)).await.text().await.expect("page");
    assert!(page.contains("<strong>Disabled</strong>") && page.contains("/enable"), "{page}");

    // A refresh is refused as for a revoked token; a sign-in as for a wrong password.
    let (status, body) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    let (revoked_status, revoked) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": "made-up"})).await;
    assert_eq!((status, &body["error"]), (revoked_status, &revoked["error"]), "{body}");
    let login = |password: &'static str| {
        let api = &api;
        async move { api.post("/api/v1/auth/login", None, &json!({"email": "ada@example.org", "password": password})).await }
    };
    let (disabled_status, disabled_body) = login(PASSWORD).await;
    let (wrong_status, wrong_body) = login("a wrong password!").await;
    assert_eq!((disabled_status, &disabled_body), (wrong_status, &wrong_body));
    let browser = Browser::new(&app.base);
    let form = browser.get("/login").await.text().await.expect("page");
    let refused = browser.submit_sign_in(&form, "ada@example.org", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.text().await.expect("page").contains("Incorrect email or password."));
    let recorded = events(&app, "admin.user_disabled").await;
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].details.as_deref().is_some_and(|d| d.contains(&root.id)), "{:?}", recorded[0].details);

    // Disabling twice records nothing more; an administrator cannot be disabled.
    admin.post_form(&format!("/admin/users/{}/disable", target.id), &[("csrf", &csrf)]).await;
    assert_eq!(events(&app, "admin.user_disabled").await.len(), 1);
    let own = admin.post_form(&format!("/admin/users/{}/disable", root.id), &[("csrf", &csrf)]).await;
    assert_eq!(own.status(), StatusCode::CONFLICT);
    assert!(admin.get("/admin").await.status().is_success(), "the administrator is still in");

    let enabled = admin.post_form(&format!("/admin/users/{}/enable", target.id), &[("csrf", &csrf)]).await;
    assert_eq!(enabled.status(), StatusCode::SEE_OTHER);
    assert_eq!(events(&app, "admin.user_enabled").await.len(), 1);
    api.login("ada@example.org", None).await;
}
on_every_backend!(a_disabled_account_can_neither_sign_in_nor_refresh_until_enabled);

async fn a_disabled_account_cannot_sign_in_with_a_passkey(backend: Backend) {
    let (app, api) = passkeys::spawn(backend).await;
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut laptop = Authenticator::new(&origin_of(&app.base));
    assert_eq!(passkeys::enrol(&api, &access, &mut laptop, "Laptop").await.0, StatusCode::CREATED);
    let user = mana_auth::store::users::find_by_email(&app.db, "ada@example.org").await.expect("read").expect("user");
    let ended = mana_auth::admin::users::disable(&app.db, &user.id, "an administrator").await.expect("disabled");
    assert_eq!(ended.map(|sessions| sessions.len()), Some(1));
    let (status, body) = passkeys::sign_in(&api, &mut laptop).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(
        events(&app, "sign_in.failed")
            .await
            .iter()
            .any(|e| e.details.as_deref().is_some_and(|d| d.contains("disabled")))
    );
    assert!(mana_auth::admin::users::enable(&app.db, &user.id, "an administrator").await.expect("enabled"));
    assert_eq!(passkeys::sign_in(&api, &mut laptop).await.0, StatusCode::OK);
}
on_every_backend!(a_disabled_account_cannot_sign_in_with_a_passkey);

async fn an_administrator_with_only_a_passkey_is_asked_for_it_after_the_password(backend: Backend) {
    let (app, api) = passkeys::spawn(backend).await;
    let access = text(&api.signed_up("root@example.org").await, "accessToken");
    let mut key = Authenticator::new(&origin_of(&app.base));
    assert_eq!(passkeys::enrol(&api, &access, &mut key, "Key").await.0, StatusCode::CREATED);
    let user = mana_auth::store::users::find_by_email(&app.db, "root@example.org").await.expect("read").expect("user");
    grant_admin(&app.db, &user, By::Operator).await.expect("granted");
    // A password alone signs in (no code is on) but is not enough for the admin pages.
    let admin = signed_in_browser(&app, "root@example.org").await;
    assert_eq!(location(&admin.get("/admin/users").await), "/login?reauth=1");
    let page = admin.get("/login?reauth=1").await.text().await.expect("page");
    let step = admin.submit_sign_in(&page, "root@example.org", PASSWORD).await;
    assert_eq!(step.status(), StatusCode::OK, "the second step, not a loop back to the password");
    let page = step.text().await.expect("page");
    assert!(page.contains("Confirm that it is you with one of your passkeys."), "{page}");
    let csrf = hidden_field(&page, "csrf");
    let ceremony: serde_json::Value =
        admin.post_form("/login/mfa/passkey/options", &[("csrf", &csrf)]).await.json().await.expect("options");
    let answer = key.assert(&ceremony["publicKey"]).to_string();
    let form =
        [("csrf", csrf.as_str()), ("flow_id", ceremony["flowId"].as_str().expect("flow")), ("credential", &answer)];
    let done = admin.post_form("/login/mfa/passkey", &form).await;
    assert_eq!(location(&done), "/admin/users");
    assert_eq!(admin.get("/admin/users").await.status(), StatusCode::OK);
}
on_every_backend!(an_administrator_with_only_a_passkey_is_asked_for_it_after_the_password);

async fn admin_pages_speak_german(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    let page = admin.get("/admin/users?lang=de").await.text().await.expect("page");
    assert!(page.contains("<h1>Benutzer</h1>") && page.contains("Nach E-Mail-Adresse, Name oder Benutzername suchen"));
}
on_every_backend!(admin_pages_speak_german);
