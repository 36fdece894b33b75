//! Passkeys on the hosted pages, driven as the page's script drives them: signing in
//! with one inside an authorization request (the id_token says how), and adding,
//! renaming and removing them on `/account/passkeys`, each form behind its CSRF field.

use openidconnect::{TokenResponse, core::CoreJwsSigningAlgorithm};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    common::{
        Backend, RP_REDIRECT, RP_SECRET, TestApp,
        api::{Api, text},
        authenticator::{Authenticator, origin_of, passkeys_on},
        browser::{Browser, hidden_field, query_param},
        rp::RelyingParty,
    },
    mfa::signed_in_browser,
    passkeys::enrol,
};

/// Options from a page endpoint, as the script fetches them with the form's CSRF field.
async fn options(browser: &Browser, path: &str, csrf: &str) -> Value {
    let response = browser.post_form(path, &[("csrf", csrf)]).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("options")
}

async fn the_sign_in_page_signs_in_with_a_passkey_inside_an_authorization_request(backend: Backend) {
    let app = TestApp::spawn_with(backend, passkeys_on).await;
    let api = Api::new(&app.base);
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let mut key = Authenticator::new(&origin_of(&app.base));
    assert_eq!(enrol(&api, &access, &mut key, "Key").await.0, StatusCode::CREATED);

    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let request = rp.authorize(&["email"]);
    let browser = Browser::new(&app.base);
    let (page, _) = browser.follow(browser.get(&request.url).await).await;
    let policy = page.headers()["content-security-policy"].to_str().expect("ascii").to_owned();
    let html = page.text().await.expect("sign-in page");
    assert!(html.contains("Sign in with a passkey") && html.contains(r#"autocomplete="username webauthn""#));
    let nonce = html.split(r#"<script src="/static/passkeys.js" nonce=""#).nth(1).expect("script").split('"').next();
    assert!(policy.contains(&format!("script-src 'nonce-{}'", nonce.expect("nonce"))), "{policy}");
    let script = browser.get("/static/passkeys.js").await;
    assert!(script.headers()["content-type"].to_str().expect("type").starts_with("text/javascript"));
    let (csrf, req) = (hidden_field(&html, "csrf"), hidden_field(&html, "req"));

    // Without the form's CSRF field nothing starts, and nothing finishes.
    assert_eq!(
        browser.post_form("/login/passkey/options", &[("csrf", "forged")]).await.status(),
        StatusCode::FORBIDDEN
    );
    let submit = |flow_id: String, credential: String, csrf: String| {
        let (browser, req) = (&browser, req.clone());
        async move {
            let form = [("csrf", csrf.as_str()), ("req", &req), ("flow_id", &flow_id), ("credential", &credential)];
            browser.post_form("/login/passkey", &form).await
        }
    };
    let ceremony = options(&browser, "/login/passkey/options", &csrf).await;
    let answer = key.assert(&ceremony["publicKey"]).to_string();
    let flow_id = text(&ceremony, "flowId");
    let forged = submit(flow_id.clone(), answer.clone(), "forged".into()).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let unreadable = submit(flow_id.clone(), "{not json".into(), csrf.clone()).await;
    assert_eq!(unreadable.status(), StatusCode::BAD_REQUEST);

    // Another key's answer is refused on the page, which stays the sign-in form.
    let ceremony = options(&browser, "/login/passkey/options", &csrf).await;
    let stranger = Authenticator::new(&origin_of(&app.base)).assert(&ceremony["publicKey"]).to_string();
    let refused = submit(text(&ceremony, "flowId"), stranger, csrf.clone()).await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert!(refused.text().await.expect("page").contains("That passkey was not accepted."));

    let signed_in = submit(flow_id.clone(), answer.clone(), csrf.clone()).await;
    let (_, left) = browser.follow(signed_in).await;
    let callback = left.expect("back at the client");
    assert!(callback.starts_with(RP_REDIRECT), "{callback}");
    let replayed = submit(flow_id, answer, csrf).await;
    assert_eq!(replayed.status(), StatusCode::BAD_REQUEST, "a flow id works once");

    let code = query_param(&callback, "code").expect("code");
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let verifier = rp.verifier_for(CoreJwsSigningAlgorithm::EdDsa);
    let claims = tokens.id_token().expect("id_token").claims(&verifier, &request.nonce).expect("valid id_token");
    let amr: Vec<&str> = claims.auth_method_refs().into_iter().flatten().map(|m| m.as_str()).collect();
    assert_eq!(amr, ["hwk", "user", "mfa"]);
    assert_eq!(claims.auth_context_ref().map(|acr| acr.as_str()), Some("mfa"));
}
crate::on_every_backend!(the_sign_in_page_signs_in_with_a_passkey_inside_an_authorization_request);

async fn the_account_page_adds_renames_and_removes_passkeys(backend: Backend) {
    let app = TestApp::spawn_with(backend, passkeys_on).await;
    Api::new(&app.base).signed_up("ada@example.org").await;
    assert_eq!(Browser::new(&app.base).get("/account/passkeys").await.headers()["location"], "/login");
    let browser = signed_in_browser(&app, "ada@example.org").await;
    let page = browser.get("/account/passkeys").await.text().await.expect("page");
    assert!(page.contains("You have no passkeys yet."));
    let csrf = hidden_field(&page, "csrf");
    assert_eq!(browser.post_form("/account/passkeys/options", &[("csrf", "x")]).await.status(), StatusCode::FORBIDDEN);

    let mut key = Authenticator::new(&origin_of(&app.base));
    let ceremony = options(&browser, "/account/passkeys/options", &csrf).await;
    let answer = key.register(&ceremony["publicKey"]).to_string();
    let flow_id = text(&ceremony, "flowId");
    let add = |csrf: String, credential: String| {
        let (browser, flow_id) = (&browser, &flow_id);
        async move {
            let form = [("csrf", csrf.as_str()), ("name", "Laptop"), ("flow_id", flow_id), ("credential", &credential)];
            browser.post_form("/account/passkeys", &form).await
        }
    };
    assert_eq!(add("forged".into(), answer.clone()).await.status(), StatusCode::FORBIDDEN);
    let without_script = add(csrf.clone(), String::new()).await;
    assert_eq!(without_script.status(), StatusCode::BAD_REQUEST);
    assert!(without_script.text().await.expect("page").contains("with JavaScript on"));
    assert_eq!(add(csrf.clone(), answer).await.headers()["location"], "/account/passkeys");
    let page = browser.get("/account/passkeys").await.text().await.expect("page");
    assert!(page.contains(r#"value="Laptop""#) && page.contains("last used never"), "{page}");
    let id = page.split("/account/passkeys/").nth(1).expect("a passkey").split('/').next().expect("id").to_owned();

    let rename_at = format!("/account/passkeys/{id}/rename");
    let rename = |name: &'static str, csrf: String| {
        let (browser, path) = (&browser, &rename_at);
        async move { browser.post_form(path, &[("csrf", &csrf), ("name", name)]).await }
    };
    assert_eq!(rename("Stolen", "forged".into()).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(rename("  ", csrf.clone()).await.status(), StatusCode::BAD_REQUEST);
    assert_eq!(rename("Work laptop", csrf.clone()).await.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/account/passkeys").await.text().await.expect("page");
    assert!(page.contains(r#"value="Work laptop""#));

    let remove = format!("/account/passkeys/{id}/remove");
    let form = [("csrf", "forged"), ("name", "Work laptop")];
    assert_eq!(browser.post_form(&remove, &form).await.status(), StatusCode::FORBIDDEN);
    let form = [("csrf", csrf.as_str()), ("name", "Work laptop")];
    assert_eq!(browser.post_form(&remove, &form).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(browser.post_form(&remove, &form).await.status(), StatusCode::NOT_FOUND);
    let page = browser.get("/account/passkeys").await.text().await.expect("page");
    assert!(page.contains("You have no passkeys yet."));
    let (_, events) = Api::new(&app.base).get("/api/v1/auth/security-events", &login_token(&app).await).await;
    let kinds: Vec<String> = events["events"].as_array().expect("events").iter().map(|e| text(e, "type")).collect();
    assert!(kinds.contains(&"passkey.added".into()) && kinds.contains(&"passkey.removed".into()), "{kinds:?}");
}
crate::on_every_backend!(the_account_page_adds_renames_and_removes_passkeys);

async fn login_token(app: &TestApp) -> String {
    text(&Api::new(&app.base).login("ada@example.org", None).await, "accessToken")
}

async fn the_pages_have_no_passkeys_while_they_are_off(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    Api::new(&app.base).signed_up("ada@example.org").await;
    let browser = signed_in_browser(&app, "ada@example.org").await;
    assert_eq!(browser.get("/account/passkeys").await.status(), StatusCode::NOT_FOUND);
    let page = Browser::new(&app.base).get("/login").await.text().await.expect("page");
    assert!(!page.contains("passkey") && !page.contains("webauthn"), "{page}");
    assert!(!browser.get("/").await.text().await.expect("home").contains("/account/passkeys"));
}
crate::on_every_backend!(the_pages_have_no_passkeys_while_they_are_off);
