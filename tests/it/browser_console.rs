//! The admin pages and the account pages in a real headless Chromium: the first-run
//! link makes the first administrator, who sets up a second step and signs in again
//! to reach the admin pages, creates a client and a sign-in provider there; a new user
//! signs up on the way to that client (its sign-in page offering the provider), signs
//! in to it and takes its access back on the account page; the administrator disables
//! the user, whose next sign-in is refused. Keyboard and labels are checked on the way;
//! then a screenshot of every page at 1280 and 360 px wide, in English and German,
//! under `target/screenshots/`.

use fantoccini::{Client, Locator};
use openidconnect::OAuth2TokenResponse;
use reqwest::StatusCode;

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        browser::query_param,
        chromium::{click, fill, open_browser, screenshot, spawn_callback, start_driver, wait_for_text},
        rp::RelyingParty,
        token_request,
    },
    mfa::{code, code_element},
    on_every_backend,
};

const ADMIN: &str = "root@example.org";
const USER: &str = "ada@example.org";

async fn source(browser: &Client) -> String {
    browser.source().await.expect("page source")
}

async fn goto(browser: &Client, app: &TestApp, path: &str) {
    browser.goto(&app.url(path)).await.unwrap_or_else(|e| panic!("{path}: {e}"));
}

/// The text of the first element `css` on the page.
async fn text_of(browser: &Client, css: &str) -> String {
    browser.find(Locator::Css(css)).await.expect(css).text().await.expect("text")
}

async fn sign_in(browser: &Client, email: &str) {
    fill(browser, "email", email).await;
    fill(browser, "password", PASSWORD).await;
    click(browser, "button[type=submit]").await;
}

async fn a_client_and_a_user_are_managed_from_the_pages(backend: Backend) {
    let (callback, received) = spawn_callback().await;
    let app = TestApp::spawn_with(backend, |config| config.cache.clients_secs = 0).await;
    let (_driver, port) = start_driver().await;
    let dir = std::env::temp_dir().join(format!("mana-auth-console-{}", mana_auth::security::opaque::random_token(6)));
    let admin = open_browser(port, &dir.join("admin")).await;
    let user = open_browser(port, &dir.join("user")).await;

    // First run: the setup link makes the administrator, signed in.
    let link = mana_auth::admin::setup::link_if_needed(&app.db, &app.base).await.expect("db").expect("a link");
    admin.goto(&link).await.expect("setup link");
    fill(&admin, "name", "Root").await;
    sign_in(&admin, ADMIN).await;
    wait_for_text(&admin, "You are signed in as").await;

    // With the secrets key set, an administrator needs a second step first.
    goto(&admin, &app, "/admin").await;
    wait_for_text(&admin, "Administrators need two-step verification").await;
    goto(&admin, &app, "/account/mfa").await;
    let secret = code_element(&source(&admin).await, "secret");
    fill(&admin, "code", &code(&secret, 0)).await;
    click(&admin, "form[action='/account/mfa'] button[type=submit]").await;
    wait_for_text(&admin, "Two-step verification is on").await;
    goto(&admin, &app, "/admin").await;
    wait_for_text(&admin, "Sign in again to continue to the administration.").await;
    sign_in(&admin, ADMIN).await;
    wait_for_text(&admin, "Enter the 6-digit code").await;
    fill(&admin, "code", &code(&secret, 1)).await;
    click(&admin, "button[type=submit]").await;
    wait_for_text(&admin, "accounts, 1 of them administrators").await;

    // A client, its secret shown once.
    goto(&admin, &app, "/admin/clients/new").await;
    fill(&admin, "id", "notes").await;
    fill(&admin, "name", "Notes").await;
    admin.find(Locator::Css("#redirect_uris")).await.expect("uris").send_keys(&callback).await.expect("type");
    click(&admin, "button[type=submit]").await;
    wait_for_text(&admin, "it is shown only this once").await;
    screenshot(&admin, "console-flow-client-secret").await;
    let client_secret = text_of(&admin, "code.secret").await;

    // A sign-in provider, offered on the sign-in page at once.
    goto(&admin, &app, "/admin/upstreams/new").await;
    fill(&admin, "id", "corp").await;
    fill(&admin, "issuer", "https://sso.example.org/realms/staff").await;
    fill(&admin, "name", "Corp SSO").await;
    fill(&admin, "client_id", "mana").await;
    fill(&admin, "client_secret", "corp-client-secret").await;
    click(&admin, "input[name=auto_create]").await;
    click(&admin, "form[action='/admin/upstreams'] button[type=submit]").await;
    wait_for_text(&admin, "Register this redirect URI at the provider").await;
    assert!(source(&admin).await.contains(&format!("{}/login/upstream/corp/callback", app.base)));

    // A new user signs up on the way to it, consents, and the client gets its tokens.
    let rp = RelyingParty::discover(&app.base, "notes", Some(&client_secret)).await.redirecting_to(&callback);
    let request = rp.authorize(&["openid", "email"]);
    user.goto(&request.url).await.expect("authorize");
    wait_for_text(&user, "Sign in with Corp SSO").await;
    click(&user, "a[href^='/signup']").await;
    wait_for_text(&user, "Create an account").await;
    fill(&user, "name", "Ada Lovelace").await;
    fill(&user, "username", "ada").await;
    sign_in(&user, USER).await;
    wait_for_text(&user, "Check your inbox").await;
    click(&user, "a[href^='/login?req=']").await;
    sign_in(&user, USER).await;
    wait_for_text(&user, "Allow Notes?").await;
    click(&user, "button[value=allow]").await;
    wait_for_text(&user, "signed in at the client").await;
    let query = received.lock().await.first().cloned().expect("the client received the redirect");
    let code_at_client = query_param(&format!("{callback}?{query}"), "code").expect("code");
    let tokens = rp.exchange(&code_at_client, request.verifier).await.expect("tokens");
    let refresh = tokens.refresh_token().expect("a refresh token").secret().clone();

    // On the account page the user sees the client and takes its access back.
    goto(&user, &app, "/account/apps").await;
    wait_for_text(&user, "See your email address").await;
    screenshot(&user, "console-flow-user-apps").await;
    click(&user, "form[action='/account/apps/revoke'] button").await;
    wait_for_text(&user, "No application has access to your account.").await;
    let form = [("grant_type", "refresh_token"), ("refresh_token", refresh.as_str())];
    let refused = token_request(&app, ("notes", &client_secret), &form).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "the client's refresh token is revoked");

    // The administrator finds the user and disables the account.
    goto(&admin, &app, "/admin/users?q=ada").await;
    click(&admin, "td a").await;
    wait_for_text(&admin, "Last sign-in").await;
    click(&admin, "form[action$='/disable'] button").await;
    wait_for_text(&admin, "Disabled").await;

    // Signed out everywhere, and the next sign-in is refused like a wrong password.
    goto(&user, &app, "/account").await;
    wait_for_text(&user, "Sign in").await;
    sign_in(&user, USER).await;
    wait_for_text(&user, "Incorrect email or password.").await;
    screenshot(&user, "console-flow-refused").await;

    for path in [
        "/account",
        "/account/sessions",
        "/account/password",
        "/admin/clients/new",
        "/admin/keys",
        "/admin/audit",
        "/admin/credits",
        "/admin/upstreams/new",
    ] {
        every_control_is_reached_by_tab_with_a_visible_focus(&app, &admin, path).await;
    }
    every_control_is_reached_by_tab_with_a_visible_focus(&app, &user, "/login").await;
    screenshot_every_page(&app, &admin, &user).await;
    admin.close().await.expect("close");
    user.close().await.expect("close");
    let _ = std::fs::remove_dir_all(dir);
}
on_every_backend!(a_client_and_a_user_are_managed_from_the_pages, needs test_browser);

/// Every page, in both languages and at both widths: the signed-in ones in the
/// administrator's browser, the others in the signed-out user's.
async fn screenshot_every_page(app: &TestApp, admin: &Client, visitor: &Client) {
    let user_id = mana_auth::store::users::find_by_email(&app.db, USER).await.expect("db").expect("user").id;
    let signed_in = [
        ("home", "/".to_owned()),
        ("account", "/account".into()),
        ("account-password", "/account/password".into()),
        ("account-sessions", "/account/sessions".into()),
        ("account-apps", "/account/apps".into()),
        ("account-mfa", "/account/mfa".into()),
        ("account-delete", "/account/delete".into()),
        ("admin", "/admin".into()),
        ("admin-users", "/admin/users".into()),
        ("admin-user", format!("/admin/users/{user_id}")),
        ("admin-clients", "/admin/clients".into()),
        ("admin-client-new", "/admin/clients/new".into()),
        ("admin-client", "/admin/clients/notes".into()),
        ("admin-client-config", "/admin/clients/rp".into()),
        ("admin-organizations", "/admin/organizations".into()),
        ("admin-credits", "/admin/credits".into()),
        ("admin-keys", "/admin/keys".into()),
        ("admin-audit", "/admin/audit".into()),
        ("admin-system", "/admin/system".into()),
        ("admin-upstreams", "/admin/upstreams".into()),
        ("admin-upstream-new", "/admin/upstreams/new".into()),
        ("admin-upstream", "/admin/upstreams/corp".into()),
    ];
    let signed_out = [
        ("sign-in", "/login".to_owned()),
        ("sign-up", "/signup".into()),
        ("forgot", "/password/forgot".into()),
        ("device", "/device".into()),
        ("not-found", "/nowhere".into()),
    ];
    for (browser, pages) in [(admin, &signed_in[..]), (visitor, &signed_out[..])] {
        for (name, path) in pages {
            for lang in ["en", "de"] {
                let separator = if path.contains('?') { '&' } else { '?' };
                browser.goto(&app.url(&format!("{path}{separator}lang={lang}"))).await.expect("page");
                for width in [1280, 360] {
                    browser.set_window_size(width, 900).await.expect("window size");
                    screenshot(browser, &format!("console-{name}-{lang}-{width}")).await;
                }
            }
        }
    }
}

/// Tabs through the page: every link, button and field takes the focus in turn (a
/// group of radio buttons once, at its checked one; a table too wide for the page with
/// nothing to focus inside, so it scrolls with the arrow keys), and shows it with an
/// outline; every field has a label.
async fn every_control_is_reached_by_tab_with_a_visible_focus(app: &TestApp, browser: &Client, path: &str) {
    goto(browser, app, &format!("{path}?lang=en")).await;
    let controls = browser
        .execute(
            "const all = [...document.querySelectorAll('a[href], button, input:not([type=hidden]), select, textarea, .table')]\
               .filter(e => !e.disabled && e.getClientRects().length > 0 && !(e.type === 'radio' && !e.checked))\
               .filter(e => !e.classList.contains('table') || (e.scrollWidth > e.clientWidth\
                 && !e.querySelector('a[href], button, input, select, textarea')));\
             all.forEach((e, i) => e.dataset.control = i); return all.length;",
            vec![],
        )
        .await
        .expect("script")
        .as_u64()
        .expect("a count");
    // A field may hold the focus from the start (autofocus).
    let mut reached = std::collections::BTreeSet::new();
    if let (control, _, _) = focused(browser).await
        && !control.is_empty()
    {
        reached.insert(control);
    }
    while (reached.len() as u64) < controls {
        browser.active_element().await.expect("focus").send_keys("\u{e004}").await.expect("tab");
        let (control, outline, html) = focused(browser).await;
        assert!(!control.is_empty(), "{path}: the focus left the controls at {html}");
        assert_ne!(outline, "none", "{path}: no visible focus on {html}");
        assert!(reached.insert(control), "{path}: the focus came back to {html} before every control had it");
    }
    assert_eq!(reached.len() as u64, controls, "{path}: every control takes the focus");
    let unlabelled = browser
        .execute(
            "return [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]\
               .filter(e => e.labels.length === 0).map(e => e.outerHTML.slice(0, 80));",
            vec![],
        )
        .await
        .expect("script");
    assert_eq!(unlabelled, serde_json::json!([]), "{path}: every field has a label");
}

/// The focused control's mark, its outline style, and the start of its HTML.
async fn focused(browser: &Client) -> (String, String, String) {
    let script = "const e = document.activeElement; return [e.dataset.control || '', getComputedStyle(e).outlineStyle, e.outerHTML.slice(0, 80)];";
    let found = browser.execute(script, vec![]).await.expect("script");
    let text = |i: usize| found[i].as_str().unwrap_or_default().to_owned();
    (text(0), text(1), text(2))
}
