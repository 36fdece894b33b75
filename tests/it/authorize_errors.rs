//! Authorization endpoint bad paths: unverified clients and redirect URIs get an error
//! page and never a redirect; everything else goes back to the client as RFC 6749 §4.1.2.1 says.

use crate::{
    common::{
        Backend, RP_REDIRECT, TestApp,
        browser::{Browser, location, query_param},
    },
    on_every_backend,
};

const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

fn authorize_url(app: &TestApp, params: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(params).finish();
    app.url(&format!("/authorize?{query}"))
}

fn base_params(client_id: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", RP_REDIRECT),
        ("scope", "openid"),
        ("state", "s1"),
        ("code_challenge", CHALLENGE),
        ("code_challenge_method", "S256"),
    ]
}

fn with(
    mut params: Vec<(&'static str, &'static str)>,
    name: &'static str,
    value: Option<&'static str>,
) -> Vec<(&'static str, &'static str)> {
    params.retain(|(k, _)| *k != name);
    if let Some(value) = value {
        params.push((name, value));
    }
    params
}

/// Asserts the request is refused back at the redirect URI with `error`, `state` and `iss`.
async fn assert_redirected_error(app: &TestApp, params: &[(&str, &str)], error: &str) {
    let response = Browser::new(&app.base).get(&authorize_url(app, params)).await;
    assert_eq!(response.status(), 303, "expected a redirect for {error}");
    let to = location(&response);
    assert!(to.starts_with(RP_REDIRECT), "{to}");
    assert_eq!(query_param(&to, "error").as_deref(), Some(error), "{to}");
    assert_eq!(query_param(&to, "state").as_deref(), Some("s1"));
    assert_eq!(query_param(&to, "iss").as_deref(), Some(app.base.as_str()));
    assert!(query_param(&to, "code").is_none());
}

async fn unknown_client_or_redirect_uri_shows_a_page_and_never_redirects(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = Browser::new(&app.base);
    for params in [
        with(base_params("rp"), "client_id", Some("nobody")),
        with(base_params("rp"), "redirect_uri", Some("https://evil.example/cb")),
        with(base_params("rp"), "redirect_uri", Some("http://127.0.0.1:9/callback/extra")),
        with(base_params("rp"), "redirect_uri", None),
        with(base_params("rp"), "client_id", None),
    ] {
        let response = browser.get(&authorize_url(&app, &params)).await;
        assert_eq!(response.status(), 400, "{params:?}");
        assert!(response.headers().get("location").is_none());
        assert_eq!(response.headers()["x-frame-options"], "DENY");
        assert!(response.text().await.expect("page").contains("<h1>"));
    }
}
on_every_backend!(unknown_client_or_redirect_uri_shows_a_page_and_never_redirects);

async fn invalid_requests_return_errors_to_the_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let plain =
        with(with(base_params("rp"), "code_challenge_method", Some("plain")), "code_challenge", Some(CHALLENGE));
    assert_redirected_error(&app, &plain, "invalid_request").await;
    let no_method = with(base_params("rp"), "code_challenge_method", None);
    assert_redirected_error(&app, &no_method, "invalid_request").await;
    let public_without_pkce = with(with(base_params("spa"), "code_challenge", None), "code_challenge_method", None);
    assert_redirected_error(&app, &public_without_pkce, "invalid_request").await;
    assert_redirected_error(
        &app,
        &with(base_params("rp"), "response_type", Some("token")),
        "unsupported_response_type",
    )
    .await;
    assert_redirected_error(&app, &with(base_params("rp"), "scope", Some("openid admin")), "invalid_scope").await;
    assert_redirected_error(&app, &with(base_params("rp"), "max_age", Some("-1")), "invalid_request").await;
    assert_redirected_error(&app, &with(base_params("rp"), "prompt", Some("none login")), "invalid_request").await;
    assert_redirected_error(&app, &with(base_params("rp"), "request", Some("eyJ")), "request_not_supported").await;
    assert_redirected_error(&app, &with(base_params("rp"), "prompt", Some("none")), "login_required").await;
}
on_every_backend!(invalid_requests_return_errors_to_the_client);

async fn a_signed_in_browser_gets_a_code_without_the_page_and_prompt_login_asks_again(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("lin@example.org").await;
    let (_, _, _, browser) =
        crate::common::signed_in_code(&app, "rp", Some(crate::common::RP_SECRET), "lin@example.org", &["openid"]).await;
    let silent = browser.get(&authorize_url(&app, &with(base_params("rp"), "prompt", Some("none")))).await;
    let to = location(&silent);
    assert!(query_param(&to, "code").is_some(), "prompt=none with a session issues a code: {to}");
    let again = browser.get(&authorize_url(&app, &with(base_params("rp"), "prompt", Some("login")))).await;
    assert!(location(&again).starts_with("/login?req="));
    let too_old = browser.get(&authorize_url(&app, &with(base_params("rp"), "max_age", Some("0")))).await;
    assert!(location(&too_old).starts_with("/login?req="), "max_age=0 asks to sign in again");
    let recent = browser.get(&authorize_url(&app, &with(base_params("rp"), "max_age", Some("3600")))).await;
    assert!(query_param(&location(&recent), "code").is_some(), "a recent sign-in satisfies max_age");
}
on_every_backend!(a_signed_in_browser_gets_a_code_without_the_page_and_prompt_login_asks_again);

/// OIDC Core §3.1.2.1: the authorization endpoint takes the request as a form POST too.
/// It answers with a GET of its own, which carries the session cookie a cross-site POST
/// does not, and refuses what GET refuses in the same way.
async fn the_authorization_endpoint_takes_a_form_post(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("poe@example.org").await;
    let (_, _, _, browser) =
        crate::common::signed_in_code(&app, "rp", Some(crate::common::RP_SECRET), "poe@example.org", &["openid"]).await;

    let posted = browser.post_form("/authorize", &with(base_params("rp"), "prompt", Some("none"))).await;
    assert_eq!(posted.status(), 303);
    let resume = location(&posted);
    assert!(resume.starts_with("/authorize/resume?req="), "{resume}");
    let back = location(&browser.get(&resume).await);
    assert!(back.starts_with(RP_REDIRECT), "{back}");
    assert!(query_param(&back, "code").is_some(), "the signed-in session answers: {back}");
    assert_eq!(query_param(&back, "state").as_deref(), Some("s1"));

    let refused = browser.post_form("/authorize", &with(base_params("rp"), "response_type", Some("token"))).await;
    let to = location(&refused);
    assert!(to.starts_with(RP_REDIRECT), "{to}");
    assert_eq!(query_param(&to, "error").as_deref(), Some("unsupported_response_type"));

    let unknown = browser.post_form("/authorize", &with(base_params("rp"), "client_id", Some("nobody"))).await;
    assert_eq!(unknown.status(), 400);
    assert!(unknown.headers().get("location").is_none());

    let not_a_form = reqwest::Client::new()
        .post(app.url("/authorize"))
        .header("content-type", "application/json")
        .body(r#"{"client_id":"rp"}"#)
        .send()
        .await
        .expect("post");
    assert_eq!(not_a_form.status(), 415);
}
on_every_backend!(the_authorization_endpoint_takes_a_form_post);
