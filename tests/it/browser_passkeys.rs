//! Passkeys in a real headless Chromium with the WebDriver virtual authenticator: a
//! signed-in user adds a passkey on `/account/passkeys`, signs out, and signs in with
//! it through a relying party's authorization request, whose id_token says how; and
//! an account made on the sign-up page with a passkey signs in with it.
//! Screenshots of each page under `target/screenshots/`.

use fantoccini::Locator;
use openidconnect::{TokenResponse, core::CoreJwsSigningAlgorithm};

use crate::{
    common::{
        Backend, TestApp,
        api::Api,
        browser::query_param,
        chromium::{
            add_virtual_authenticator, browser_client, click, fill, open_browser, screenshot, spawn_callback,
            start_driver, wait_for_text,
        },
        rp::RelyingParty,
    },
    on_every_backend,
};

const SECRET: &str = "browser-rp-secret-0123456789";

async fn a_passkey_is_added_on_the_page_and_signs_in_through_an_authorization_request(backend: Backend) {
    let (callback, received) = spawn_callback().await;
    let redirect = callback.clone();
    // On localhost: browsers refuse an IP address as relying party id.
    let app = TestApp::spawn_with(backend, move |config| {
        config.issuer = config.issuer.replace("127.0.0.1", "localhost");
        config.clients.push(browser_client(redirect, SECRET, true));
    })
    .await;
    let issuer = app.state.config.issuer.clone();
    Api::new(&app.base).signed_up("ada@example.org").await;
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("mana-auth-chromium-{}", mana_auth::security::opaque::random_token(6)));
    let browser = open_browser(port, &profile).await;
    add_virtual_authenticator(&browser).await;

    browser.goto(&format!("{issuer}/login")).await.expect("sign-in page");
    wait_for_text(&browser, "Sign in with a passkey").await;
    screenshot(&browser, "passkeys-0-sign-in").await;
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", crate::common::PASSWORD).await;
    click(&browser, "form[action='/login'] button[type=submit]").await;
    wait_for_text(&browser, "You are signed in as").await;
    click(&browser, "a[href='/account/passkeys']").await;
    wait_for_text(&browser, "You have no passkeys yet").await;
    fill(&browser, "name", "Laptop").await;
    screenshot(&browser, "passkeys-1-add").await;
    click(&browser, "#passkey-add button[type=submit]").await;
    wait_for_text(&browser, "last used never").await;
    screenshot(&browser, "passkeys-2-added").await;
    browser.goto(&format!("{issuer}/logout")).await.expect("sign-out page");
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "You are signed out").await;

    let rp = RelyingParty::discover(&issuer, "browser-rp", Some(SECRET)).await.redirecting_to(&callback);
    let request = rp.authorize(&["email"]);
    // The sign-in page asks the browser for a passkey as it loads (autofill, WebAuthn's
    // conditional mediation); the virtual authenticator, consenting at once, answers
    // without a click.
    browser.goto(&request.url).await.expect("authorize");
    wait_for_text(&browser, "signed in at the client").await;

    let query = received.lock().await.first().cloned().expect("the client received the redirect");
    let url = format!("{callback}?{query}");
    assert_eq!(query_param(&url, "state").as_deref(), Some(request.state.secret().as_str()));
    let code = query_param(&url, "code").expect("code");
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let verifier = rp.verifier_for(CoreJwsSigningAlgorithm::EdDsa);
    let claims = tokens.id_token().expect("id_token").claims(&verifier, &request.nonce).expect("valid id_token");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@example.org"));
    let amr: Vec<&str> = claims.auth_method_refs().into_iter().flatten().map(|m| m.as_str()).collect();
    assert_eq!(amr, ["hwk", "user", "mfa"], "a device-bound passkey, unlocked by its user");
    assert_eq!(claims.auth_context_ref().map(|acr| acr.as_str()), Some("mfa"));

    browser.close().await.expect("close");
    let _ = std::fs::remove_dir_all(profile);
}
on_every_backend!(a_passkey_is_added_on_the_page_and_signs_in_through_an_authorization_request, needs test_browser);

async fn an_account_made_with_a_passkey_signs_in_with_it(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, |config| config.issuer = config.issuer.replace("127.0.0.1", "localhost")).await;
    let issuer = app.state.config.issuer.clone();
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("mana-auth-chromium-{}", mana_auth::security::opaque::random_token(6)));
    let browser = open_browser(port, &profile).await;
    add_virtual_authenticator(&browser).await;

    browser.goto(&format!("{issuer}/signup")).await.expect("sign-up page");
    wait_for_text(&browser, "Or with a passkey, without a password").await;
    browser
        .find(Locator::Id("passkey-email"))
        .await
        .expect("email")
        .send_keys("grace@example.org")
        .await
        .expect("type");
    browser.find(Locator::Id("passkey-name")).await.expect("name").send_keys("Grace Hopper").await.expect("type");
    screenshot(&browser, "passkeys-4-sign-up").await;
    click(&browser, "#passkey-signup button[type=submit]").await;
    wait_for_text(&browser, "You can sign in now with your passkey").await;
    screenshot(&browser, "passkeys-5-check-inbox").await;
    app.mailed_token("grace@example.org", "/email/verify").await;

    // The sign-in page's autofill offers the new passkey; the virtual authenticator takes it.
    browser.goto(&format!("{issuer}/login")).await.expect("sign-in page");
    wait_for_text(&browser, "You are signed in as").await;
    assert!(browser.source().await.expect("page").contains("grace@example.org"));

    browser.close().await.expect("close");
    let _ = std::fs::remove_dir_all(profile);
}
on_every_backend!(an_account_made_with_a_passkey_signs_in_with_it, needs test_browser);
