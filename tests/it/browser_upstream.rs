//! Signing in through another provider in a real headless Chromium: the relying party
//! sends the browser here, the button leads to the upstream (a second mana-auth on
//! 127.0.0.2), the person signs in there, comes back with a new account and on to the
//! client; the account page then lists the link. Screenshots under `target/screenshots/`.

use openidconnect::{TokenResponse, core::CoreJwsSigningAlgorithm};

use crate::{
    common::{
        Backend, PASSWORD,
        browser::query_param,
        chromium::{
            browser_client, click, fill, open_browser, screenshot, spawn_callback, start_driver, wait_for_text,
        },
        rp::RelyingParty,
    },
    on_every_backend,
    upstream_pair::{account, pair_configured, upstream_person},
};

const SECRET: &str = "browser-rp-secret-0123456789";

async fn a_person_signs_in_through_another_provider_in_a_real_browser(backend: Backend) {
    let (callback, received) = spawn_callback().await;
    let redirect = callback.clone();
    let pair =
        pair_configured(backend, |_| {}, move |config| config.clients.push(browser_client(redirect, SECRET, true)))
            .await;
    upstream_person(&pair, "ada@example.org", true).await;
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("mana-auth-chromium-{}", mana_auth::security::opaque::random_token(6)));
    let browser = open_browser(port, &profile).await;

    let rp = RelyingParty::discover(&pair.down.base, "browser-rp", Some(SECRET)).await.redirecting_to(&callback);
    let request = rp.authorize(&["openid"]);
    browser.goto(&request.url).await.expect("authorize");
    wait_for_text(&browser, "Sign in with idp provider").await;
    screenshot(&browser, "upstream-1-sign-in-here").await;
    click(&browser, "ul.upstreams a").await;

    // At the upstream, on another host: its own sign-in page.
    for _ in 0..100 {
        if browser.current_url().await.expect("url").host_str() == Some("127.0.0.2") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(browser.current_url().await.expect("url").host_str(), Some("127.0.0.2"), "at the upstream");
    wait_for_text(&browser, "Sign in").await;
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", PASSWORD).await;
    screenshot(&browser, "upstream-2-sign-in-there").await;
    click(&browser, "form[action='/login'] button[type=submit]").await;
    wait_for_text(&browser, "signed in at the client").await;

    let query = received.lock().await.first().cloned().expect("the client received the redirect");
    let url = format!("{callback}?{query}");
    assert_eq!(query_param(&url, "state").as_deref(), Some(request.state.secret().as_str()));
    let tokens = rp.exchange(&query_param(&url, "code").expect("code"), request.verifier).await.expect("tokens");
    let checked = rp.verifier_for(CoreJwsSigningAlgorithm::EdDsa);
    let claims = tokens.id_token().expect("id_token").claims(&checked, &request.nonce).expect("valid id_token");
    let ada = account(&pair.down, "ada@example.org").await.expect("an account made here");
    assert_eq!(claims.subject().as_str(), ada.id);
    let amr: Vec<String> = claims.auth_method_refs().into_iter().flatten().map(|m| m.to_string()).collect();
    assert_eq!(amr, ["fed"]);

    browser.goto(&pair.down.url("/account/upstreams")).await.expect("account page");
    wait_for_text(&browser, "Unlink idp provider").await;
    screenshot(&browser, "upstream-3-linked").await;

    browser.close().await.expect("close");
    let _ = std::fs::remove_dir_all(profile);
}
on_every_backend!(a_person_signs_in_through_another_provider_in_a_real_browser, needs test_browser);
