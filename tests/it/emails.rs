//! Email addresses: look-alike twins are one account on every way in (API, hosted
//! sign-up, `mana-auth user add`, sign-in, password reset), and only addresses the
//! mailer can send to, without invisible characters, are taken.

use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        api::Api,
        browser::{Browser, hidden_field},
    },
    on_every_backend,
};

const FULLWIDTH: &str = "\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}@example.org";

async fn accounts(app: &TestApp) -> u64 {
    entity::users::Entity::find().count(&app.db).await.expect("count")
}

fn add_user(email: &str) -> mana_auth::admin::users::AddUser {
    mana_auth::admin::users::AddUser { email: email.into(), username: None, name: None, password: PASSWORD.into() }
}

/// Waits for a mail to `to` that says `phrase`; mail goes out after the answer.
async fn mailed(app: &TestApp, to: &str, phrase: &str) {
    for _ in 0..100 {
        if app.mails().iter().any(|m| m.contains(&format!("To: {to}")) && m.contains(phrase)) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no mail to {to} saying {phrase:?}: {:?}", app.mails());
}

async fn look_alike_addresses_are_one_account_everywhere(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let register = |email: &str| {
        let body = json!({"email": email, "password": PASSWORD});
        let api = &api;
        async move { api.post("/api/v1/auth/register", None, &body).await }
    };
    let (status, alice) = register("alice@example.org").await;
    assert_eq!(status, 201);
    for twin in [FULLWIDTH, "ALICE@EXAMPLE.ORG", " Alice@Example.Org "] {
        let (status, body) = register(twin).await;
        assert_eq!((status.as_u16(), &body["error"]), (409, &json!("email_taken")), "{twin:?}: {body}");
    }
    let (status, composed) = register("ada@caf\u{e9}.example").await;
    assert_eq!(status, 201, "{composed}");
    assert_eq!(composed["email"], "ada@xn--caf-dma.example", "stored in one form, the domain in ASCII");
    let (status, _) = register("ada@cafe\u{301}.example").await;
    assert_eq!(status, 409, "the decomposed twin is the same address");

    let before = accounts(&app).await;
    let (passwords, credits) = (&app.state.passwords, &app.state.config.credits);
    assert!(mana_auth::admin::users::add(&app.db, passwords, credits, add_user(FULLWIDTH)).await.is_err());
    let browser = Browser::new(&app.base);
    let csrf = hidden_field(&browser.get("/signup").await.text().await.expect("page"), "csrf");
    let form = [("email", FULLWIDTH), ("password", PASSWORD), ("csrf", &csrf)];
    assert_eq!(browser.post_form("/signup", &form).await.status(), 200, "the same answer as for a new address");
    assert_eq!(accounts(&app).await, before, "no twin was created");
    mailed(&app, "alice@example.org", "already has one").await;

    // Signing in and resetting the password find the one account, however it is typed.
    let tokens = api.login(FULLWIDTH, None).await;
    assert_eq!(tokens["user"]["id"], alice["id"]);
    let (status, _) = api
        .post(
            "/api/v1/auth/password/forgot",
            None,
            &json!({"email": "\u{FF21}\u{FF2C}\u{FF29}\u{FF23}\u{FF25}@example.org"}),
        )
        .await;
    assert_eq!(status, 202);
    app.mailed_token("alice@example.org", "/password/reset").await;
    let csrf = hidden_field(&browser.get("/login").await.text().await.expect("page"), "csrf");
    let signed_in = browser.post_form("/login", &[("email", FULLWIDTH), ("password", PASSWORD), ("csrf", &csrf)]).await;
    assert!(signed_in.status().is_redirection(), "{}", signed_in.status());
}
on_every_backend!(look_alike_addresses_are_one_account_everywhere);

async fn unmailable_and_invisible_addresses_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let refused = [
        "\"alice\"@example.org",
        "<script>@example.org",
        "al\u{131}ce@example.org",
        "al\u{200B}ice@example.org",
        "alice\u{2060}@example.org",
        "alice@exam\u{AD}ple.org",
        "\u{202E}alice@example.org",
        "alice@[127.0.0.1]",
    ];
    for email in refused {
        let (status, body) =
            api.post("/api/v1/auth/register", None, &json!({"email": email, "password": PASSWORD})).await;
        assert_eq!((status.as_u16(), &body["error"]), (400, &json!("invalid_request")), "{email:?}: {body}");
        let (passwords, credits) = (&app.state.passwords, &app.state.config.credits);
        assert!(mana_auth::admin::users::add(&app.db, passwords, credits, add_user(email)).await.is_err(), "{email:?}");
    }
    let browser = Browser::new(&app.base);
    let csrf = hidden_field(&browser.get("/signup").await.text().await.expect("page"), "csrf");
    let form = [("email", "<script>@example.org"), ("password", PASSWORD), ("csrf", &csrf)];
    assert_eq!(browser.post_form("/signup", &form).await.status(), 400);
    assert_eq!(accounts(&app).await, 0);
}
on_every_backend!(unmailable_and_invisible_addresses_are_refused);

/// Stored addresses were trimmed and lower-cased before; in ASCII that is already the
/// normal form, so such accounts sign in as before without a migration.
async fn stored_lowercase_ascii_addresses_still_sign_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (passwords, credits) = (&app.state.passwords, &app.state.config.credits);
    let user = mana_auth::admin::users::add(&app.db, passwords, credits, add_user("o'neil+tag@mail.example.org"))
        .await
        .expect("added");
    assert_eq!(user.email, "o'neil+tag@mail.example.org");
    let tokens = Api::new(&app.base).login("O'Neil+Tag@Mail.Example.org", None).await;
    assert_eq!(tokens["user"]["id"], user.id);
}
on_every_backend!(stored_lowercase_ascii_addresses_still_sign_in);
