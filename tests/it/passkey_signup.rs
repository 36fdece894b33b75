//! Accounts made with a passkey and no password, in the native API and on the hosted
//! sign-up page: the address confirmed by the mailed link as for every sign-up, the
//! signup bonus granted, the passkey the only way in (and so not removable), and on
//! the page an address that has an account answered like a new one.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        api::{Api, text},
        authenticator::{Authenticator, origin_of, passkeys_on},
        browser::{Browser, hidden_field},
    },
    passkeys::sign_in,
};

const OPTIONS: &str = "/api/v1/auth/register/passkey/options";
const SIGN_UP: &str = "/api/v1/auth/register/passkey";

async fn finish(api: &Api, key: &mut Authenticator, options: &Value) -> (StatusCode, Value) {
    let body = json!({ "flowId": options["flowId"], "passkeyName": "Phone", "credential": key.register(&options["publicKey"]) });
    api.post(SIGN_UP, None, &body).await
}

async fn the_api_makes_an_account_with_a_passkey_and_no_password(backend: Backend) {
    let app = TestApp::spawn_with(backend, passkeys_on).await;
    let api = Api::new(&app.base);
    api.signed_up("taken@example.org").await;
    let (status, body) = api.post(OPTIONS, None, &json!({"email": "taken@example.org"})).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("email_taken")));
    assert_eq!(api.post(OPTIONS, None, &json!({"email": "not an address"})).await.0, StatusCode::BAD_REQUEST);

    let (status, options) = api.post(OPTIONS, None, &json!({"email": "Ada@Example.org", "name": "Ada"})).await;
    assert_eq!(status, StatusCode::OK, "{options}");
    assert_eq!(options["publicKey"]["user"]["name"], "ada@example.org");
    assert_eq!(options["publicKey"]["user"]["displayName"], "Ada");
    assert_eq!(options["publicKey"]["authenticatorSelection"]["residentKey"], "required");
    // Two sign-ups racing for one address: one account.
    let (_, rival) = api.post(OPTIONS, None, &json!({"email": "ada@example.org"})).await;
    let mut key = Authenticator::new(&origin_of(&app.base));
    let (status, signed_up) = finish(&api, &mut key, &options).await;
    assert_eq!(status, StatusCode::CREATED, "{signed_up}");
    let (status, body) = finish(&api, &mut Authenticator::new(&origin_of(&app.base)), &rival).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("email_taken")));
    assert_eq!(finish(&api, &mut Authenticator::new(&origin_of(&app.base)), &options).await.0, StatusCode::BAD_REQUEST);

    assert_eq!(signed_up["user"]["email"], "ada@example.org");
    assert_eq!(signed_up["user"]["emailVerified"], false);
    app.mailed_token("ada@example.org", "/email/verify").await;
    let access = text(&signed_up, "accessToken");
    let (_, balance) = api.get("/api/v1/credits/balance", &access).await;
    let credits = &app.state.config.credits;
    assert_eq!(balance["balance"], credits.signup_bonus + credits.daily_free, "the bonus, and today's free credits");
    let (_, listed) = api.get("/api/v1/auth/passkeys", &access).await;
    assert_eq!(listed["passkeys"][0]["name"], "Phone");

    // No password works, and the passkey, the only way in, stays.
    let login = json!({"email": "ada@example.org", "password": PASSWORD});
    assert_eq!(api.post("/api/v1/auth/login", None, &login).await.0, StatusCode::UNAUTHORIZED);
    let id = text(&listed["passkeys"][0], "id");
    let (status, body) = api.call(Method::DELETE, &format!("/api/v1/auth/passkeys/{id}"), Some(&access), None).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::CONFLICT, Some("last_sign_in_method")));
    let (status, again) = sign_in(&api, &mut key).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["user"]["email"], "ada@example.org");
}
crate::on_every_backend!(the_api_makes_an_account_with_a_passkey_and_no_password);

async fn the_sign_up_page_makes_one_and_tells_nothing_of_taken_addresses(backend: Backend) {
    let app = TestApp::spawn_with(backend, passkeys_on).await;
    let api = Api::new(&app.base);
    api.signed_up("taken@example.org").await;
    let browser = Browser::new(&app.base);
    let page = browser.get("/signup").await.text().await.expect("page");
    assert!(page.contains(r#"<form id="passkey-signup""#) && page.contains("/static/passkeys.js"));
    let csrf = hidden_field(&page, "csrf");
    let sign_up = |email: &'static str, csrf: String| {
        let browser = &browser;
        let origin = origin_of(&app.base);
        async move {
            let response =
                browser.post_form("/signup/passkey/options", &[("csrf", &csrf), ("email", email), ("name", "")]).await;
            if response.status() != StatusCode::OK {
                return (response.status(), String::new());
            }
            let options: Value = response.json().await.expect("options");
            let credential = Authenticator::new(&origin).register(&options["publicKey"]).to_string();
            let flow_id = text(&options, "flowId");
            let form = [("csrf", csrf.as_str()), ("flow_id", &flow_id), ("credential", &credential), ("req", "")];
            let response = browser.post_form("/signup/passkey", &form).await;
            (response.status(), response.text().await.expect("page"))
        }
    };
    assert_eq!(sign_up("new@example.org", "forged".into()).await.0, StatusCode::FORBIDDEN);
    let (status, new) = sign_up("new@example.org", csrf.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(new.contains("Check your inbox") && new.contains("with your passkey"), "{new}");
    app.mailed_token("new@example.org", "/email/verify").await;

    let (status, taken) = sign_up("taken@example.org", csrf.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(taken.replace("taken@", "new@"), new, "the same answer for a taken address");
    let told = |mails: Vec<String>| mails.iter().any(|m| m.contains("To: taken@example.org") && m.contains("already"));
    for _ in 0..100 {
        if told(app.mails()) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(told(app.mails()), "the owner hears of it");
    let accounts = <entity::users::Entity as sea_orm::EntityTrait>::find().all(&app.db).await.expect("users");
    assert_eq!(accounts.len(), 2, "no second account for the taken address");
}
crate::on_every_backend!(the_sign_up_page_makes_one_and_tells_nothing_of_taken_addresses);
