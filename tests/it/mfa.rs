//! Two-step verification: enrolment on the page, the second step at sign-in on the
//! page and in the API, codes that work once, recovery codes, turning it off, sealed
//! secrets, and `amr`/`acr` in the id_token with `acr_values` honoured.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use openidconnect::TokenResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};
use totp_rs::{Algorithm, Secret, TOTP};

use mana_auth::config::Config;

use crate::common::{
    Backend, PASSWORD, RP_SECRET, TestApp,
    api::{Api, text},
    browser::{Browser, hidden_field, location, query_param},
    rp::RelyingParty,
};

/// The code an authenticator app shows `steps` 30-second steps from now.
pub(crate) fn code(secret: &str, steps: i64) -> String {
    let bytes = Secret::Encoded(secret.to_owned()).to_bytes().expect("base32");
    let totp = TOTP::new_unchecked(Algorithm::SHA1, 6, 1, 30, bytes, None, String::new());
    let at = u64::try_from(mana_auth::store::now() + steps * 30).expect("time");
    totp.generate(at)
}

/// The text of `<code id="ID">…</code>` on a page.
pub(crate) fn code_element(html: &str, id: &str) -> String {
    let marker = format!("<code id=\"{id}\">");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no {id} in {html}")) + marker.len();
    html[start..].split('<').next().expect("text").to_owned()
}

fn recovery_codes(html: &str) -> Vec<String> {
    html.split("<li><code>").skip(1).map(|rest| rest.split('<').next().expect("code").to_owned()).collect()
}

pub(crate) async fn signed_in_browser(app: &TestApp, email: &str) -> Browser {
    let browser = Browser::new(&app.base);
    let page = browser.get("/login").await.text().await.expect("page");
    let (_, left) = browser.follow(browser.submit_sign_in(&page, email, PASSWORD).await).await;
    assert!(left.is_none());
    browser
}

/// Turns two-step verification on from the page; returns the secret, the code that
/// confirmed it and the recovery codes.
pub(crate) async fn enrol(browser: &Browser) -> (String, String, Vec<String>) {
    let page = browser.get("/account/mfa").await.text().await.expect("page");
    assert!(page.contains("data:image/svg+xml;base64,"), "a QR code rendered on the server");
    assert!(page.contains("otpauth://totp/"));
    let first_secret = code_element(&page, "secret");
    let wrong = browser.post_form("/account/mfa", &[("code", "000000"), ("csrf", &hidden_field(&page, "csrf"))]).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let page = wrong.text().await.expect("page");
    let secret = code_element(&page, "secret");
    assert_ne!(secret, first_secret, "a wrong first code starts over");
    let first = code(&secret, 0);
    let done = browser.post_form("/account/mfa", &[("code", &first), ("csrf", &hidden_field(&page, "csrf"))]).await;
    assert_eq!(done.status(), StatusCode::OK);
    let codes = recovery_codes(&done.text().await.expect("page"));
    assert_eq!(codes.len(), 10);
    (secret, first, codes)
}

fn id_token_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).expect("payload");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json")
}

async fn enrolment_and_the_second_step_on_the_pages(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let user = app.user("ada@example.org").await;
    let browser = signed_in_browser(&app, "ada@example.org").await;
    let (secret, first, _) = enrol(&browser).await;

    // At rest the secret is sealed: neither its base32 nor its bytes are in the row.
    let row = mana_auth::store::mfa::find(&app.db, &user.id).await.expect("find").expect("row");
    let raw = Secret::Encoded(secret.clone()).to_bytes().expect("base32");
    assert!(!row.sealed_secret.windows(raw.len()).any(|w| w == raw.as_slice()));
    assert!(!String::from_utf8_lossy(&row.sealed_secret).contains(&secret));

    // A relying party's sign-in now asks for a code after the password.
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let request = rp.authorize(&["openid", "email"]);
    let fresh = Browser::new(&app.base);
    let login = fresh.get(&request.url).await;
    let page = fresh.get(&location(&login)).await.text().await.expect("page");
    let step_two = fresh.submit_sign_in(&page, "ada@example.org", PASSWORD).await;
    assert_eq!(step_two.status(), StatusCode::OK, "no redirect before the code");
    let page = step_two.text().await.expect("page");
    assert!(page.contains("Two-step verification"));
    let csrf = hidden_field(&page, "csrf");
    let replayed = fresh.post_form("/login/mfa", &[("code", &first), ("csrf", &csrf)]).await;
    assert_eq!(replayed.status(), StatusCode::UNAUTHORIZED, "the code used at enrolment does not work twice");
    let wrong = fresh.post_form("/login/mfa", &[("code", "12345x"), ("csrf", &csrf)]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let (_, callback) =
        fresh.follow(fresh.post_form("/login/mfa", &[("code", &code(&secret, 1)), ("csrf", &csrf)]).await).await;
    let code_param = query_param(&callback.expect("back to the client"), "code").expect("code");
    let tokens = rp.exchange(&code_param, request.verifier).await.expect("tokens");
    let claims = id_token_claims(&tokens.id_token().expect("id_token").to_string());
    assert_eq!(claims["amr"], json!(["pwd", "otp", "mfa"]));
    assert_eq!(claims["acr"], "mfa");

    // Without the second step there is no session: the code page alone does nothing.
    let stranger = Browser::new(&app.base);
    let page = stranger.get("/login").await.text().await.expect("page");
    let alone =
        stranger.post_form("/login/mfa", &[("code", &code(&secret, 0)), ("csrf", &hidden_field(&page, "csrf"))]).await;
    assert_eq!(alone.status(), StatusCode::BAD_REQUEST);

    let kinds: Vec<String> = mana_auth::admin::audit::events(
        &app.db,
        mana_auth::admin::audit::Query {
            user: Some("ada@example.org".into()),
            kind: None,
            since: None,
            until: None,
            before: None,
            limit: 50,
        },
    )
    .await
    .expect("audit")
    .into_iter()
    .map(|e| e.kind)
    .collect();
    assert!(kinds.contains(&"mfa.enrolled".to_owned()) && kinds.contains(&"mfa.failed".to_owned()), "{kinds:?}");
}
crate::on_every_backend!(enrolment_and_the_second_step_on_the_pages);

async fn api_sign_in_with_codes_and_recovery_codes(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| {
        c.security.rate_limit.mfa_per_account = 20;
        // The limit on codes is what this tests; the lockout has scenarios of its own.
        c.security.lockout.threshold = 0;
    })
    .await;
    app.user("ada@example.org").await;
    let browser = signed_in_browser(&app, "ada@example.org").await;
    let (secret, _, codes) = enrol(&browser).await;
    let api = Api::new(&app.base);
    async fn login(api: &Api) -> String {
        let (status, body) =
            api.post("/api/v1/auth/login", None, &json!({"email": "ada@example.org", "password": PASSWORD})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["mfaRequired"], true, "{body}");
        assert!(body.get("accessToken").is_none(), "no tokens before the second step");
        text(&body, "mfaToken")
    }
    let verify = |token: &str, code: &str| {
        let body = json!({"mfaToken": token, "code": code, "deviceName": "phone"});
        let api = &api;
        async move { api.post("/api/v1/auth/mfa/verify", None, &body).await }
    };

    let token = login(&api).await;
    let (status, body) = verify(&token, "000000").await;
    assert_eq!((status, body["error"].clone()), (StatusCode::UNAUTHORIZED, json!("invalid_code")));
    let next = code(&secret, 1);
    let (status, body) = verify(&token, &next).await;
    assert_eq!(status, StatusCode::OK, "a wrong code does not use up the sign-in: {body}");
    let access = text(&body, "accessToken");
    assert_eq!(api.validate(&access).await["valid"], true);
    let (status, body) = verify(&token, &next).await;
    assert_eq!((status, body["error"].clone()), (StatusCode::UNAUTHORIZED, json!("invalid_mfa_token")), "single use");

    let token = login(&api).await;
    assert_eq!(verify(&token, &next).await.0, StatusCode::UNAUTHORIZED, "that code was used");
    let (status, _) = verify(&token, &codes[0].to_uppercase()).await;
    assert_eq!(status, StatusCode::OK, "a recovery code, typed in capitals");
    let token = login(&api).await;
    assert_eq!(verify(&token, &codes[0]).await.0, StatusCode::UNAUTHORIZED, "a recovery code works once");
    assert_eq!(verify("made-up", &codes[1]).await.1["error"], "invalid_mfa_token");
    assert_eq!(verify(&token, &codes[1]).await.0, StatusCode::OK);

    // Guessing codes runs into the per-account limit (another account, another budget).
    app.user("bob@example.org").await;
    enrol(&signed_in_browser(&app, "bob@example.org").await).await;
    let (_, body) =
        api.post("/api/v1/auth/login", None, &json!({"email": "bob@example.org", "password": PASSWORD})).await;
    let bobs = text(&body, "mfaToken");
    let mut statuses = Vec::new();
    for _ in 0..21 {
        statuses.push(verify(&bobs, "999999").await.0);
    }
    assert_eq!(statuses[19], StatusCode::UNAUTHORIZED);
    assert_eq!(statuses[20], StatusCode::TOO_MANY_REQUESTS, "{statuses:?}");

    // Turning it off needs the password and a code; then sign-in is one step again.
    let page = browser.get("/account/mfa").await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let refused = browser
        .post_form("/account/mfa/disable", &[("password", "wrong password!"), ("code", &codes[2]), ("csrf", &csrf)])
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let refused =
        browser.post_form("/account/mfa/disable", &[("password", PASSWORD), ("code", "000000"), ("csrf", &csrf)]).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let off = browser
        .post_form("/account/mfa/disable", &[("password", PASSWORD), ("code", &codes[2]), ("csrf", &csrf)])
        .await;
    assert!(off.status().is_redirection());
    let (status, body) =
        api.post("/api/v1/auth/login", None, &json!({"email": "ada@example.org", "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("accessToken").is_some(), "{body}");
}
crate::on_every_backend!(api_sign_in_with_codes_and_recovery_codes);

async fn acr_values_mfa_asks_a_password_session_for_the_code(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("ada@example.org").await;
    // Signed in with the password before the second factor existed.
    let browser = signed_in_browser(&app, "ada@example.org").await;
    let (secret, _, _) = enrol(&browser).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;

    let plain = rp.authorize(&["openid"]);
    let (_, callback) = browser.follow(browser.get(&plain.url).await).await;
    let code_param = query_param(&callback.expect("no sign-in needed"), "code").expect("code");
    let tokens = rp.exchange(&code_param, plain.verifier).await.expect("tokens");
    let claims = id_token_claims(&tokens.id_token().expect("id_token").to_string());
    assert_eq!((claims["acr"].clone(), claims["amr"].clone()), (json!("pwd"), json!(["pwd"])));

    let strict = rp.authorize(&["openid"]);
    let response = browser.get(&format!("{}&acr_values=mfa", strict.url)).await;
    let to = location(&response);
    assert!(to.starts_with("/login?req="), "signs in again: {to}");
    let page = browser.get(&to).await.text().await.expect("page");
    let page = browser.submit_sign_in(&page, "ada@example.org", PASSWORD).await.text().await.expect("code page");
    let form = [("code", code(&secret, 1)), ("csrf", hidden_field(&page, "csrf"))];
    let (_, callback) =
        browser.follow(browser.http.post(app.url("/login/mfa")).form(&form).send().await.expect("post")).await;
    let code_param = query_param(&callback.expect("back to the client"), "code").expect("code");
    let tokens = rp.exchange(&code_param, strict.verifier).await.expect("tokens");
    let claims = id_token_claims(&tokens.id_token().expect("id_token").to_string());
    assert_eq!(claims["acr"], "mfa");
    let discovery: Value =
        reqwest::get(app.url("/.well-known/openid-configuration")).await.expect("get").json().await.expect("json");
    assert_eq!(discovery["acr_values_supported"], json!(["pwd", "mfa"]));
}
crate::on_every_backend!(acr_values_mfa_asks_a_password_session_for_the_code);

async fn without_a_secrets_key_mfa_cannot_be_turned_on(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.security.secrets_key = None).await;
    app.user("ada@example.org").await;
    let browser = signed_in_browser(&app, "ada@example.org").await;
    let page = browser.get("/account/mfa").await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    assert!(page.text().await.expect("page").contains("MANA_AUTH_SECRETS_KEY"));
    let anonymous = Browser::new(&app.base).get("/account/mfa").await;
    assert_eq!(location(&anonymous), "/login", "signed out: to the sign-in page");
}
crate::on_every_backend!(without_a_secrets_key_mfa_cannot_be_turned_on);

/// The operator's way out for a user who lost the authenticator and the recovery codes.
async fn operators_reset_two_step_verification(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    for email in ["ada@example.org", "bob@example.org"] {
        app.user(email).await;
        enrol(&signed_in_browser(&app, email).await).await;
    }
    let api = Api::new(&app.base);
    let login = |email: &'static str| {
        let api = &api;
        async move { api.post("/api/v1/auth/login", None, &json!({"email": email, "password": PASSWORD})).await.1 }
    };
    assert_eq!(mana_auth::admin::mfa::reset(&app.db, Some("ada@example.org")).await.expect("reset"), 1);
    assert!(login("ada@example.org").await.get("accessToken").is_some(), "one step again");
    assert_eq!(login("bob@example.org").await["mfaRequired"], true, "the others keep theirs");
    assert!(mana_auth::admin::mfa::reset(&app.db, Some("nobody@example.org")).await.is_err());
    assert_eq!(mana_auth::admin::mfa::reset(&app.db, None).await.expect("reset all"), 1);
    assert!(login("bob@example.org").await.get("accessToken").is_some());
}
crate::on_every_backend!(operators_reset_two_step_verification);

/// Three failed sign-ins lock an account; no rate limit gets there first.
fn lock_after_three(config: &mut Config) {
    let limits = &mut config.security.rate_limit;
    (limits.signin_per_ip, limits.signin_per_account, limits.mfa_per_ip, limits.mfa_per_account) = (0, 0, 0, 0);
    config.security.lockout.threshold = 3;
}

/// How many events of `kind` the audit trail holds for `email`.
async fn count_events(app: &TestApp, email: &str, kind: &str) -> usize {
    let query = mana_auth::admin::audit::Query {
        user: Some(email.into()),
        kind: Some(kind.into()),
        since: Some("1h".into()),
        until: None,
        before: None,
        limit: 50,
    };
    mana_auth::admin::audit::events(&app.db, query).await.expect("audit").len()
}

async fn failed_codes_in_the_api_count_toward_the_lockout(backend: Backend) {
    let app = TestApp::spawn_with(backend, lock_after_three).await;
    app.user("ada@example.org").await;
    let (secret, _, codes) = enrol(&signed_in_browser(&app, "ada@example.org").await).await;
    let api = Api::new(&app.base);
    let password = || async {
        let (status, body) =
            api.post("/api/v1/auth/login", None, &json!({"email": "ada@example.org", "password": PASSWORD})).await;
        (status, if status == StatusCode::OK { text(&body, "mfaToken") } else { body.to_string() })
    };
    let verify = |token: String, code: String| {
        let api = &api;
        async move { api.post("/api/v1/auth/mfa/verify", None, &json!({"mfaToken": token, "code": code})).await }
    };
    let wrong = || "000000".to_owned();

    // Two wrong codes, then a complete sign-in: the count starts over.
    let token = password().await.1;
    for _ in 0..2 {
        assert_eq!(verify(token.clone(), wrong()).await.0, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(verify(token, codes[0].clone()).await.0, StatusCode::OK);

    // Two wrong codes, the right password again, one more wrong code: locked.
    let token = password().await.1;
    for _ in 0..2 {
        assert_eq!(verify(token.clone(), wrong()).await.0, StatusCode::UNAUTHORIZED);
    }
    let token = password().await.1;
    let (status, body) = verify(token.clone(), wrong()).await;
    assert_eq!((status, body["error"].clone()), (StatusCode::UNAUTHORIZED, json!("invalid_code")));
    for right in [code(&secret, 0), codes[1].clone()] {
        let (status, body) = verify(token.clone(), right).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the right code is refused while locked: {body}");
    }
    assert_eq!(password().await.0, StatusCode::TOO_MANY_REQUESTS, "and so is the password");
    assert_eq!(count_events(&app, "ada@example.org", "mfa.failed").await, 5);
    assert_eq!(count_events(&app, "ada@example.org", "account.locked").await, 1);
}
crate::on_every_backend!(failed_codes_in_the_api_count_toward_the_lockout);

/// Submits the password on the hosted page as far as the code page; returns its CSRF token.
async fn password_on_the_page(app: &TestApp, email: &str) -> (Browser, String) {
    let browser = Browser::new(&app.base);
    let page = browser.get("/login").await.text().await.expect("page");
    let step = browser.submit_sign_in(&page, email, PASSWORD).await;
    assert_eq!(step.status(), StatusCode::OK);
    let page = step.text().await.expect("page");
    assert!(page.contains("Two-step verification"));
    let csrf = hidden_field(&page, "csrf");
    (browser, csrf)
}

async fn submit_code(browser: &Browser, csrf: &str, code: &str) -> StatusCode {
    browser.post_form("/login/mfa", &[("code", code), ("csrf", csrf)]).await.status()
}

async fn failed_codes_on_the_page_count_toward_the_lockout(backend: Backend) {
    let app = TestApp::spawn_with(backend, lock_after_three).await;
    app.user("ada@example.org").await;
    let (secret, _, codes) = enrol(&signed_in_browser(&app, "ada@example.org").await).await;

    // Two wrong codes, then a complete sign-in: the count starts over.
    let (browser, csrf) = password_on_the_page(&app, "ada@example.org").await;
    for _ in 0..2 {
        assert_eq!(submit_code(&browser, &csrf, "000000").await, StatusCode::UNAUTHORIZED);
    }
    assert!(submit_code(&browser, &csrf, &codes[0]).await.is_redirection(), "signed in");

    // Two wrong codes, the right password again, one more wrong code: locked.
    let (first, first_csrf) = password_on_the_page(&app, "ada@example.org").await;
    for _ in 0..2 {
        assert_eq!(submit_code(&first, &first_csrf, "000000").await, StatusCode::UNAUTHORIZED);
    }
    let (second, second_csrf) = password_on_the_page(&app, "ada@example.org").await;
    assert_eq!(submit_code(&second, &second_csrf, "000000").await, StatusCode::UNAUTHORIZED);
    for (browser, csrf, right) in [(&second, &second_csrf, code(&secret, 0)), (&first, &first_csrf, codes[1].clone())] {
        let status = submit_code(browser, csrf, &right).await;
        assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the right code is refused while locked");
    }
    let page = Browser::new(&app.base);
    let form = page.get("/login").await.text().await.expect("page");
    let refused = page.submit_sign_in(&form, "ada@example.org", PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS, "and so is the password");
    assert_eq!(count_events(&app, "ada@example.org", "account.locked").await, 1);
}
crate::on_every_backend!(failed_codes_on_the_page_count_toward_the_lockout);
