//! The hosted pages in a real headless Chromium driven over WebDriver: sign-up,
//! sign-out, sign-in, consent and the code back at the client, with a screenshot of
//! each page under `target/screenshots/`. Runs when the suite is built with `MANA_AUTH_TEST_BROWSER=1`.

use crate::{
    common::{
        Backend, TestApp,
        browser::query_param,
        chromium::{
            browser_client, click, fill, open_browser, screenshot, spawn_callback, start_driver, wait_for_text,
        },
    },
    on_every_backend,
};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, PkceCodeChallenge, RedirectUrl, Scope,
    TokenResponse,
    core::{CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata},
};

const SECRET: &str = "browser-rp-secret-0123456789";

async fn hosted_pages_work_in_a_real_browser(backend: Backend) {
    let (callback, received) = spawn_callback().await;
    let redirect = callback.clone();
    let app = TestApp::spawn_with(backend, move |config| {
        config.clients.push(browser_client(redirect, SECRET, false));
    })
    .await;
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("mana-auth-chromium-{}", mana_auth::security::opaque::random_token(6)));
    let browser = open_browser(port, &profile).await;

    // Sign up: the account is created and its address confirmed by the mailed link.
    browser.goto(&app.url("/signup")).await.expect("signup page");
    fill(&browser, "name", "Ada Lovelace").await;
    fill(&browser, "username", "ada").await;
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", "analytical engine 1843").await;
    screenshot(&browser, "1-sign-up").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "Check your inbox").await;
    screenshot(&browser, "1b-check-inbox").await;
    let token = app.mailed_token("ada@example.org", "/email/verify").await;
    browser.goto(&app.url(&format!("/email/verify?token={token}"))).await.expect("verify link");
    wait_for_text(&browser, "Email confirmed").await;
    browser.goto(&app.url("/login")).await.expect("sign-in page");
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", "analytical engine 1843").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "You are signed in as").await;

    // Sign out through the confirmation page.
    click(&browser, "a.button").await;
    wait_for_text(&browser, "Sign out?").await;
    screenshot(&browser, "2-sign-out").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "You are signed out").await;
    screenshot(&browser, "3-signed-out").await;

    // A relying party sends the browser to sign in, then to consent, then gets a code.
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
    let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(app.base.clone()).expect("issuer"), &http)
        .await
        .expect("discovery");
    let rp = CoreClient::from_provider_metadata(
        metadata,
        ClientId::new("browser-rp".into()),
        Some(ClientSecret::new(SECRET.into())),
    )
    .set_redirect_uri(RedirectUrl::new(callback.clone()).expect("redirect"));
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (auth_url, state, nonce) = rp
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("email".into()))
        .set_pkce_challenge(challenge)
        .url();
    browser.goto(auth_url.as_str()).await.expect("authorize");
    wait_for_text(&browser, "Sign in").await;
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", "analytical engine 1843").await;
    screenshot(&browser, "4-sign-in").await;
    click(&browser, "button[type=submit]").await;
    wait_for_text(&browser, "Allow Notes?").await;
    screenshot(&browser, "5-consent").await;
    click(&browser, "button[value=allow]").await;
    wait_for_text(&browser, "signed in at the client").await;

    let query = received.lock().await.first().cloned().expect("the client received the redirect");
    let url = format!("{callback}?{query}");
    assert_eq!(query_param(&url, "state").as_deref(), Some(state.secret().as_str()));
    let code = query_param(&url, "code").expect("code");
    let tokens = rp
        .exchange_code(AuthorizationCode::new(code))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .request_async(&http)
        .await
        .expect("tokens");
    let verifier = rp.id_token_verifier().set_allowed_algs(vec![CoreJwsSigningAlgorithm::EdDsa]);
    let claims = tokens.id_token().expect("id_token").claims(&verifier, &nonce).expect("valid id_token");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("ada@example.org"));

    browser.close().await.expect("close");
    let _ = std::fs::remove_dir_all(profile);
}
on_every_backend!(hosted_pages_work_in_a_real_browser, needs test_browser);
