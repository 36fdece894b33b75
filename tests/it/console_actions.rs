//! The admin pages' remedies for one account: turning its authenticator app off,
//! mailing it a password reset, and deleting it after its address is typed again.

use entity::users;
use reqwest::StatusCode;
use sea_orm::EntityTrait;

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        browser::{Browser, hidden_field, location},
    },
    console::{admin_browser, events},
    mfa::{enrol, signed_in_browser},
    on_every_backend,
};

const TARGET: &str = "ada@example.org";

async fn act(admin: &Browser, user_id: &str, action: &str, extra: &[(&str, &str)]) -> reqwest::Response {
    let page = admin.get(&format!("/admin/users/{user_id}")).await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let mut form = vec![("csrf", csrf.as_str())];
    form.extend_from_slice(extra);
    admin.post_form(&format!("/admin/users/{user_id}/{action}"), &form).await
}

async fn the_authenticator_app_is_turned_off_and_a_reset_mail_sent(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, admin_user) = admin_browser(&app, "root@example.org").await;
    let target = app.user(TARGET).await;
    enrol(&signed_in_browser(&app, TARGET).await).await;
    let page = admin.get(&format!("/admin/users/{}", target.id)).await.text().await.expect("page");
    assert!(page.contains("Turn the authenticator app off"));

    let done = act(&admin, &target.id, "mfa/reset", &[]).await;
    assert_eq!(location(&done), format!("/admin/users/{}", target.id));
    let fresh = Browser::new(&app.base);
    let page = fresh.get("/login").await.text().await.expect("page");
    assert_eq!(location(&fresh.submit_sign_in(&page, TARGET, PASSWORD).await), "/", "no code is asked any more");
    let recorded = events(&app, "admin.mfa_reset").await;
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].details.as_deref().unwrap_or_default().contains(&admin_user.id));
    act(&admin, &target.id, "mfa/reset", &[]).await;
    assert_eq!(events(&app, "admin.mfa_reset").await.len(), 1, "nothing to turn off, nothing recorded");

    let sent = act(&admin, &target.id, "password/reset", &[]).await;
    assert_eq!(sent.status(), StatusCode::SEE_OTHER);
    let token = app.mailed_token(TARGET, "/password/reset").await;
    assert!(!token.is_empty());
    let recorded = events(&app, "admin.reset_mail_sent").await;
    assert_eq!(recorded[0].user_id.as_deref(), Some(target.id.as_str()));
}
on_every_backend!(the_authenticator_app_is_turned_off_and_a_reset_mail_sent);

async fn an_account_is_deleted_once_its_address_is_typed_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, admin_user) = admin_browser(&app, "root@example.org").await;
    let target = app.user(TARGET).await;
    let targets_browser = signed_in_browser(&app, TARGET).await;

    let mismatch = act(&admin, &target.id, "delete", &[("confirm", "someone@example.org")]).await;
    assert_eq!(mismatch.status(), StatusCode::BAD_REQUEST);
    assert!(mismatch.text().await.expect("page").contains("nothing was deleted"));
    let own = act(&admin, &admin_user.id, "delete", &[("confirm", "root@example.org")]).await;
    assert_eq!(own.status(), StatusCode::CONFLICT, "an administrator's account stays");
    assert!(events(&app, "user.deleted").await.is_empty());

    let deleted = act(&admin, &target.id, "delete", &[("confirm", "ADA@example.org ")]).await;
    assert_eq!(location(&deleted), "/admin/users");
    let row = users::Entity::find_by_id(target.id.clone()).one(&app.db).await.expect("read").expect("tombstone");
    assert_ne!(row.email, TARGET, "the address is erased");
    assert_eq!(targets_browser.get("/account").await.status(), StatusCode::SEE_OTHER, "signed out");
    assert_eq!(admin.get(&format!("/admin/users/{}", target.id)).await.status(), StatusCode::NOT_FOUND);
    let by = events(&app, "user.deleted").await;
    assert!(by[0].details.as_deref().unwrap_or_default().contains(r#""by":"admin""#));
    let named = events(&app, "admin.user_deleted").await;
    assert!(named[0].details.as_deref().unwrap_or_default().contains(&admin_user.id));
    // The address can sign up again.
    app.user(TARGET).await;
}
on_every_backend!(an_account_is_deleted_once_its_address_is_typed_again);
