//! A client whose callback redirects on to another origin, as Synapse sends the browser
//! on to its web client, in a real Chromium: after the sign-in form, and after the
//! consent form, the browser arrives there. A form's CSP `form-action` governs every
//! redirect of the navigation it starts, so the provider goes on to the client by a
//! page that refreshes (`web::onward`).

use axum::{Router, extract::RawQuery, response::Redirect, routing::get};

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        browser::query_param,
        chromium::{browser_client, click, fill, open_browser, spawn_callback, start_driver, wait_for_text},
        listener,
        rp::RelyingParty,
    },
    on_every_backend,
};

const SECRET: &str = "browser-rp-secret-0123456789";

/// The client's callback on 127.0.0.3: every answer is sent on to `web_client`.
async fn spawn_hop(web_client: String) -> String {
    let hop = listener("127.0.0.3").await;
    let callback = format!("http://{}/callback", hop.local_addr().expect("addr"));
    let app = Router::new().route(
        "/callback",
        get(move |RawQuery(query): RawQuery| {
            let on = format!("{web_client}?{}", query.unwrap_or_default());
            async move { Redirect::to(&on) }
        }),
    );
    tokio::spawn(async move { axum::serve(hop, app).await });
    callback
}

async fn a_client_that_redirects_on_to_another_origin_is_reached(backend: Backend) {
    let (web_client, landed) = spawn_callback().await;
    let callback = spawn_hop(web_client).await;
    let redirect = callback.clone();
    let app = TestApp::spawn_with(backend, move |config| {
        config.clients.push(browser_client(redirect.clone(), SECRET, true));
        let mut asking = browser_client(redirect, SECRET, false);
        asking.id = "asking-rp".into();
        config.clients.push(asking);
    })
    .await;
    app.user("ada@example.org").await;
    let (_driver, port) = start_driver().await;
    let profile =
        std::env::temp_dir().join(format!("mana-auth-chromium-{}", mana_auth::security::opaque::random_token(6)));
    let browser = open_browser(port, &profile).await;

    // The sign-in form, straight on to a client that asks no consent.
    let rp = RelyingParty::discover(&app.base, "browser-rp", Some(SECRET)).await.redirecting_to(&callback);
    let first = rp.authorize(&["openid"]);
    browser.goto(&first.url).await.expect("authorize");
    wait_for_text(&browser, "Sign in").await;
    fill(&browser, "email", "ada@example.org").await;
    fill(&browser, "password", PASSWORD).await;
    click(&browser, "form[action='/login'] button[type=submit]").await;
    wait_for_text(&browser, "signed in at the client").await;
    let query = landed.lock().await.first().cloned().expect("arrived at the web client");
    let url = format!("{callback}?{query}");
    assert_eq!(query_param(&url, "state").as_deref(), Some(first.state.secret().as_str()));
    assert!(query_param(&url, "code").is_some());

    // The consent form of another client.
    let rp = RelyingParty::discover(&app.base, "asking-rp", Some(SECRET)).await.redirecting_to(&callback);
    let second = rp.authorize(&["openid", "email"]);
    browser.goto(&second.url).await.expect("authorize");
    wait_for_text(&browser, "button").await;
    click(&browser, "button[value=allow]").await;
    for _ in 0..100 {
        if landed.lock().await.len() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let query = landed.lock().await.get(1).cloned().expect("arrived at the web client again");
    let url = format!("{callback}?{query}");
    assert_eq!(query_param(&url, "state").as_deref(), Some(second.state.secret().as_str()));

    browser.close().await.expect("close");
    let _ = std::fs::remove_dir_all(profile);
}
on_every_backend!(a_client_that_redirects_on_to_another_origin_is_reached, needs test_browser);
