//! Moving an account to another email address from `/account`: the password confirms
//! the request, a link mailed to the new address does the move once, and the old
//! address is told. An address another account has gets no link, and the answer does
//! not say so.

use entity::{security_events, users};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        browser::{Browser, hidden_field},
    },
    mfa::signed_in_browser,
    on_every_backend,
};

const EMAIL: &str = "ada@example.org";
const CONFIRM: &str = "/account/email/confirm";

async fn ask(browser: &Browser, new_email: &str, password: &str) -> (StatusCode, String) {
    let csrf = hidden_field(&browser.get("/account").await.text().await.expect("page"), "csrf");
    let form = [("new_email", new_email), ("password", password), ("csrf", &csrf)];
    let response = browser.post_form("/account/email", &form).await;
    (response.status(), response.text().await.expect("page"))
}

async fn confirm(app: &TestApp, token: &str) -> (StatusCode, String) {
    let response = Browser::new(&app.base).get(&format!("{CONFIRM}?token={token}")).await;
    (response.status(), response.text().await.expect("page"))
}

async fn email_of(app: &TestApp, id: &str) -> (String, bool) {
    let user = users::Entity::find_by_id(id.to_owned()).one(&app.db).await.expect("read").expect("user");
    (user.email, user.email_verified)
}

async fn kinds(app: &TestApp, user_id: &str) -> Vec<String> {
    security_events::Entity::find()
        .filter(security_events::Column::UserId.eq(user_id))
        .filter(security_events::Column::Kind.starts_with("email."))
        .all(&app.db)
        .await
        .expect("events")
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn mails_to(app: &TestApp, to: &str) -> Vec<String> {
    app.mails().into_iter().filter(|m| m.contains(&format!("To: {to}"))).collect()
}

async fn an_account_moves_to_a_new_address_through_its_link(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    let browser = signed_in_browser(&app, EMAIL).await;

    for (new_email, password, says) in [
        ("new@example.org", "not the password", "The current password is wrong."),
        ("ADA@example.org", PASSWORD, "This is already your address."),
        ("not an address", PASSWORD, "Enter a valid email address."),
    ] {
        let (status, page) = ask(&browser, new_email, password).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{new_email}");
        assert!(page.contains(says), "{new_email}: {page}");
    }
    assert!(app.mails().iter().all(|m| !m.contains(CONFIRM)), "no link for a refused request");

    let (status, page) = ask(&browser, "First@Example.org", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("We sent a link to first@example.org."), "{page}");
    let first = app.mailed_token("first@example.org", CONFIRM).await;
    ask(&browser, "new@example.org", PASSWORD).await;
    let token = app.mailed_token("new@example.org", CONFIRM).await;
    // A reset link mailed to the old address before the move stops working with it.
    let forgot = browser.get("/password/forgot").await.text().await.expect("page");
    let form = [("email", EMAIL), ("csrf", &hidden_field(&forgot, "csrf"))];
    browser.post_form("/password/forgot", &form).await;
    let reset = app.mailed_token(EMAIL, "/password/reset").await;
    assert_eq!(confirm(&app, &first).await.0, StatusCode::BAD_REQUEST, "a newer request voids the older link");
    assert_eq!(email_of(&app, &user.id).await.0, EMAIL, "nothing moves before the link is opened");

    let (status, page) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Your account now uses new@example.org."), "{page}");
    assert_eq!(email_of(&app, &user.id).await, ("new@example.org".into(), true));
    let (status, page) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "the link works once");
    assert!(page.contains("This link is invalid, has expired or was already used."));
    assert!(
        mails_to(&app, EMAIL).iter().any(|m| m.contains("Your email address was changed")),
        "the old address is told"
    );
    let page = browser.get(&format!("/password/reset?token={reset}")).await.text().await.expect("page");
    let form =
        [("token", reset.as_str()), ("password", "another long passphrase"), ("csrf", &hidden_field(&page, "csrf"))];
    let void = browser.post_form("/password/reset", &form).await;
    assert_eq!(void.status(), StatusCode::BAD_REQUEST, "the old address's reset link is void");
    let fresh = Browser::new(&app.base);
    let page = fresh.get("/login").await.text().await.expect("page");
    assert_eq!(fresh.submit_sign_in(&page, EMAIL, PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    let page = fresh.get("/login").await.text().await.expect("page");
    assert_eq!(fresh.submit_sign_in(&page, "new@example.org", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    let recorded = kinds(&app, &user.id).await;
    assert_eq!(recorded.iter().filter(|k| *k == "email.change_requested").count(), 2);
    assert_eq!(recorded.iter().filter(|k| *k == "email.changed").count(), 1);
    assert_eq!(confirm(&app, "made-up").await.0, StatusCode::BAD_REQUEST);
}
on_every_backend!(an_account_moves_to_a_new_address_through_its_link);

async fn an_address_another_account_has_is_never_taken(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user(EMAIL).await;
    app.user("grace@example.org").await;
    let browser = signed_in_browser(&app, EMAIL).await;

    // The answer is the one a free address gets, and the owner gets no link.
    let (status, page) = ask(&browser, "grace@example.org", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("We sent a link to grace@example.org."));
    // Mails go out in order: once a later request's link is there, none went to Grace.
    ask(&browser, "free@example.org", PASSWORD).await;
    app.mailed_token("free@example.org", CONFIRM).await;
    assert!(mails_to(&app, "grace@example.org").iter().all(|m| !m.contains(CONFIRM)));

    // An address taken between the request and the link stays with its new owner.
    ask(&browser, "late@example.org", PASSWORD).await;
    let token = app.mailed_token("late@example.org", CONFIRM).await;
    app.user("late@example.org").await;
    let (status, page) = confirm(&app, &token).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(page.contains("This address belongs to another account now"), "{page}");
    assert_eq!(email_of(&app, &user.id).await.0, EMAIL);
    assert!(kinds(&app, &user.id).await.iter().all(|k| k != "email.changed"));
}
on_every_backend!(an_address_another_account_has_is_never_taken);
