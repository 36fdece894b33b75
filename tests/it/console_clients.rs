//! `/admin/clients`: creating a client with its secret shown once, editing it, a new
//! secret, disabling, enabling and deleting it, each recorded naming the administrator;
//! clients of the configuration file shown read-only and changed by none of the forms.

use mana_auth::admin::clients::{self, By};
use reqwest::StatusCode;

use crate::{
    common::{
        Backend, RP_SECRET, TestApp,
        browser::{Browser, hidden_field, location},
        signed_in_code, token_request,
    },
    console::{admin_browser, events},
    mfa::signed_in_browser,
    on_every_backend,
};

const ID: &str = "notes";
const REDIRECT: &str = "https://notes.example.org/callback";

async fn csrf(browser: &Browser) -> String {
    hidden_field(&browser.get("/admin/clients/new").await.text().await.expect("page"), "csrf")
}

async fn post(browser: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let token = csrf(browser).await;
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    browser.post_form(path, &form).await
}

async fn page_of(browser: &Browser, path: &str) -> String {
    browser.get(path).await.text().await.expect("page")
}

/// The secret on a page that shows one.
fn secret_on(page: &str) -> String {
    let start = page.find("<code class=\"secret\">").expect("a secret") + "<code class=\"secret\">".len();
    page[start..].split('<').next().expect("secret").to_owned()
}

async fn credentials_work(app: &TestApp, id: &str, secret: &str) -> bool {
    let response = token_request(app, (id, secret), &[("grant_type", "client_credentials")]).await;
    response.status() == StatusCode::OK
}

const CREATE: [(&str, &str); 6] = [
    ("id", ID),
    ("name", "Notes"),
    ("kind", "confidential"),
    ("redirect_uris", REDIRECT),
    ("grant_authorization_code", "on"),
    ("grant_client_credentials", "on"),
];

async fn a_client_is_created_changed_and_deleted_on_the_admin_pages(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.cache.clients_secs = 0).await;
    let (admin, admin_user) = admin_browser(&app, "root@example.org").await;

    let refused =
        post(&admin, "/admin/clients", &[("id", ID), ("kind", "confidential"), ("grant_authorization_code", "on")])
            .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.expect("page").contains("at least one is needed for authorization_code"));
    let taken = post(
        &admin,
        "/admin/clients",
        &[("id", "rp"), ("redirect_uris", REDIRECT), ("grant_authorization_code", "on")],
    )
    .await;
    assert_eq!(taken.status(), StatusCode::BAD_REQUEST, "the id of a config client is taken");

    let created = post(&admin, "/admin/clients", &CREATE).await;
    assert_eq!(created.status(), StatusCode::CREATED);
    let page = created.text().await.expect("page");
    assert!(page.contains("it is shown only this once"));
    let secret = secret_on(&page);
    assert!(credentials_work(&app, ID, &secret).await);
    let listed = clients::list(&app.db).await.expect("list").into_iter().find(|c| c.id == ID).expect("listed");
    assert_eq!((listed.source.as_str(), listed.name.as_str()), ("cli", "Notes"), "the same as `client add`");
    let page = admin.get(&format!("/admin/clients/{ID}")).await.text().await.expect("page");
    assert!(!page.contains(&secret), "never shown again");
    assert!(
        events(&app, "admin.client_created").await[0].details.as_deref().unwrap_or_default().contains(&admin_user.id)
    );

    // Edited: the name, a second redirect URI, the same grant types.
    let edited = post(
        &admin,
        &format!("/admin/clients/{ID}"),
        &[
            ("name", "Notes 2"),
            ("redirect_uris", &format!("{REDIRECT}\nhttps://notes.example.org/b")),
            ("grant_authorization_code", "on"),
            ("grant_client_credentials", "on"),
        ],
    )
    .await;
    assert_eq!(location(&edited), format!("/admin/clients/{ID}"));
    let stored = mana_auth::store::clients::find(&app.db, ID).await.expect("read").expect("client");
    assert_eq!(stored.name, "Notes 2");
    assert_eq!(stored.redirect_uris.len(), 2);
    assert_eq!(stored.grant_types, ["authorization_code", "client_credentials"]);
    assert!(credentials_work(&app, ID, &secret).await, "the secret stays");
    let bad = post(
        &admin,
        &format!("/admin/clients/{ID}"),
        &[("redirect_uris", "not a uri"), ("grant_authorization_code", "on")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(events(&app, "admin.client_updated").await.len(), 1);

    // A new secret: the old one stops working at once.
    let rotated = post(&admin, &format!("/admin/clients/{ID}/secret"), &[]).await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let new_secret = secret_on(&rotated.text().await.expect("page"));
    assert!(!credentials_work(&app, ID, &secret).await && credentials_work(&app, ID, &new_secret).await);
    assert_eq!(events(&app, "admin.client_secret_rotated").await.len(), 1);

    // Disabled: unknown to the token endpoint until enabled.
    post(&admin, &format!("/admin/clients/{ID}/disable"), &[]).await;
    assert!(!credentials_work(&app, ID, &new_secret).await);
    assert!(admin.get("/admin/clients").await.text().await.expect("page").contains("(Disabled)"));
    post(&admin, &format!("/admin/clients/{ID}/enable"), &[]).await;
    assert!(credentials_work(&app, ID, &new_secret).await);
    assert_eq!(events(&app, "admin.client_disabled").await.len(), 1);
    assert_eq!(events(&app, "admin.client_enabled").await.len(), 1);

    let mismatch = post(&admin, &format!("/admin/clients/{ID}/delete"), &[("confirm", "other")]).await;
    assert_eq!(mismatch.status(), StatusCode::BAD_REQUEST);
    let deleted = post(&admin, &format!("/admin/clients/{ID}/delete"), &[("confirm", ID)]).await;
    assert_eq!(location(&deleted), "/admin/clients");
    assert!(!credentials_work(&app, ID, &new_secret).await);
    assert_eq!(admin.get(&format!("/admin/clients/{ID}")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(events(&app, "admin.client_deleted").await.len(), 1);

    // Any id works in the pages' paths; `new` is the page that creates one.
    let odd =
        [("id", "team/notes x"), ("kind", "public"), ("redirect_uris", REDIRECT), ("grant_authorization_code", "on")];
    assert_eq!(location(&post(&admin, "/admin/clients", &odd).await), "/admin/clients/team%2Fnotes%20x");
    assert!(page_of(&admin, "/admin/clients").await.contains("href=\"/admin/clients/team%2Fnotes%20x\""));
    post(&admin, "/admin/clients/team%2Fnotes%20x/disable", &[]).await;
    assert!(mana_auth::store::clients::find(&app.db, "team/notes x").await.expect("read").expect("client").disabled);
    let reserved = [("id", "new"), ("redirect_uris", REDIRECT), ("grant_authorization_code", "on")];
    let refused = post(&admin, "/admin/clients", &reserved).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.expect("page").contains("taken by the page that creates clients"));

    // A public client has no secret to show.
    let public = [("id", "spa-2"), ("kind", "public"), ("redirect_uris", REDIRECT), ("grant_authorization_code", "on")];
    assert_eq!(location(&post(&admin, "/admin/clients", &public).await), "/admin/clients/spa-2");
}
on_every_backend!(a_client_is_created_changed_and_deleted_on_the_admin_pages);

async fn what_the_form_does_not_show_stays_and_disabling_stops_sign_ins(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.cache.clients_secs = 0).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    app.user("ada@example.org").await;
    let mut gateway = crate::operators::service("gateway");
    gateway.introspection = true;
    clients::add(&app.db, gateway, false, By::Operator).await.expect("added");
    post(&admin, "/admin/clients/gateway", &[("name", "Gateway"), ("grant_client_credentials", "on")]).await;
    let stored = mana_auth::store::clients::find(&app.db, "gateway").await.expect("read").expect("client");
    assert!(stored.introspection, "introspection stays");

    // A client made here signs people in; disabled, its sign-in page refuses.
    let mut form = CREATE.to_vec();
    form[3] = ("redirect_uris", crate::common::RP_REDIRECT);
    form.push(("grant_refresh_token", "on"));
    form.push(("skip_consent", "on"));
    let secret = secret_on(&post(&admin, "/admin/clients", &form).await.text().await.expect("page"));
    let (rp, request, code, _) = signed_in_code(&app, ID, Some(&secret), "ada@example.org", &["openid"]).await;
    rp.exchange(&code, request.verifier).await.expect("tokens");
    post(&admin, &format!("/admin/clients/{ID}/disable"), &[]).await;
    let request = rp.authorize(&["openid"]);
    let (page, left) = Browser::new(&app.base).follow(Browser::new(&app.base).get(&request.url).await).await;
    assert!(left.is_none(), "never sent back to a disabled client");
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
}
on_every_backend!(what_the_form_does_not_show_stays_and_disabling_stops_sign_ins);

async fn clients_of_the_configuration_are_read_only(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    let page = admin.get("/admin/clients/rp").await.text().await.expect("page");
    assert!(page.contains("declared in the configuration file") && page.contains("<fieldset disabled>"));
    for (action, fields) in [
        ("", vec![("name", "Changed"), ("redirect_uris", REDIRECT), ("grant_authorization_code", "on")]),
        ("/secret", vec![]),
        ("/disable", vec![]),
        ("/delete", vec![("confirm", "rp")]),
    ] {
        let response = post(&admin, &format!("/admin/clients/rp{action}"), &fields).await;
        assert!(matches!(response.status().as_u16(), 400 | 409), "{action}: {}", response.status());
    }
    assert!(credentials_work(&app, "service", crate::common::SERVICE_SECRET).await);
    let stored = mana_auth::store::clients::find(&app.db, "rp").await.expect("read").expect("client");
    assert_eq!((stored.name.as_str(), stored.disabled), ("Test rp", false));
    app.user("ada@example.org").await;
    let (_, _, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "ada@example.org", &["openid"]).await;
    assert!(!code.is_empty(), "it still signs people in");

    // Nobody else gets in, and forged forms change nothing.
    let ada = signed_in_browser(&app, "ada@example.org").await;
    let anonymous = Browser::new(&app.base);
    for page in ["/admin/clients", "/admin/clients/new", "/admin/clients/rp"] {
        assert_eq!(location(&anonymous.get(page).await), "/login?reauth=1", "{page}");
        assert_eq!(ada.get(page).await.status(), StatusCode::FORBIDDEN, "{page}");
    }
    for form in ["/admin/clients", "/admin/clients/rp", "/admin/clients/rp/secret", "/admin/clients/rp/delete"] {
        assert_eq!(ada.post_form(form, &[("csrf", "x"), ("confirm", "rp")]).await.status(), StatusCode::FORBIDDEN);
        let forged = admin.post_form(form, &[("csrf", "forged"), ("confirm", "rp"), ("id", "x")]).await;
        assert_eq!(forged.status(), StatusCode::FORBIDDEN, "{form}");
    }
}
on_every_backend!(clients_of_the_configuration_are_read_only);
