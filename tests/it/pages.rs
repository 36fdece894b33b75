//! Hosted pages: CSRF, sign-in answers, session renewal, sign-up, consent, sign-out confirmation.

use openidconnect::{TokenResponse, core::CoreJwsSigningAlgorithm};

use crate::{
    common::{
        Backend, PASSWORD, RP_SECRET, TestApp,
        browser::{Browser, hidden_field, location, onward, query_param},
        rp::RelyingParty,
    },
    on_every_backend,
};

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("mana_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

async fn sign_in_form_needs_its_csrf_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("csrf@example.org").await;
    let browser = Browser::new(&app.base);
    let page = browser.get("/login").await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    for token in ["", "forged-token", &csrf[1..]] {
        let response = browser
            .post_form("/login", &[("email", "csrf@example.org"), ("password", PASSWORD), ("csrf", token)])
            .await;
        assert_eq!(response.status(), 403, "csrf `{token}`");
    }
    let missing = browser.post_form("/login", &[("email", "csrf@example.org"), ("password", PASSWORD)]).await;
    assert!(missing.status().is_client_error());
    // Another browser's token does not work either.
    let other = Browser::new(&app.base);
    let response =
        other.post_form("/login", &[("email", "csrf@example.org"), ("password", PASSWORD), ("csrf", &csrf)]).await;
    assert_eq!(response.status(), 403);
    // Nobody got signed in.
    let home = browser.get("/").await.text().await.expect("home");
    assert!(!home.contains("csrf@example.org"));
}
on_every_backend!(sign_in_form_needs_its_csrf_token);

async fn wrong_password_and_unknown_email_get_the_same_answer(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("known@example.org").await;
    let browser = Browser::new(&app.base);
    let mut answers = Vec::new();
    for email in ["known@example.org", "unknown@example.org"] {
        let page = browser.get("/login").await.text().await.expect("page");
        let response = browser.submit_sign_in(&page, email, "wrong password!").await;
        assert_eq!(response.status(), 401);
        let body = response.text().await.expect("page");
        answers.push(body.contains("Incorrect email or password."));
    }
    assert_eq!(answers, [true, true]);
}
on_every_backend!(wrong_password_and_unknown_email_get_the_same_answer);

async fn sign_in_renews_the_session_cookie(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("fix@example.org").await;
    let browser = Browser::new(&app.base);
    let page = browser.get("/login").await;
    assert_eq!(session_cookie(&page), None, "nothing is kept for a visitor who only looks");
    let html = page.text().await.expect("page");
    let response = browser.submit_sign_in(&html, "fix@example.org", PASSWORD).await;
    assert_eq!(response.status(), 303);
    let before = session_cookie(&response).expect("a session cookie at sign-in");
    let cookie_line = response.headers()["set-cookie"].to_str().expect("text").to_owned();
    assert!(cookie_line.contains("HttpOnly") && cookie_line.contains("SameSite=Lax"), "{cookie_line}");
    let html = browser.get("/login").await.text().await.expect("page");
    let response = browser.submit_sign_in(&html, "fix@example.org", PASSWORD).await;
    let after = session_cookie(&response).expect("a renewed cookie");
    assert_ne!(before, after, "the session id changes at every sign-in");
    assert!(browser.get("/").await.text().await.expect("home").contains("fix@example.org"));
}
on_every_backend!(sign_in_renews_the_session_cookie);

async fn sign_up_creates_the_account_and_continues_the_flow(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let browser = Browser::new(&app.base);
    let request = rp.authorize(&["openid", "email", "profile"]);
    let login = browser.get(&request.url).await;
    let req = query_param(&app.url(&location(&login)), "req").expect("req");
    let page = browser.get(&format!("/signup?req={req}")).await.text().await.expect("page");
    let csrf = hidden_field(&page, "csrf");
    let short = browser
        .post_form("/signup", &[("email", "new@example.org"), ("password", "short"), ("csrf", &csrf), ("req", &req)])
        .await;
    assert_eq!(short.status(), 400);
    assert!(short.text().await.expect("page").contains("at least 10"));
    let bad_name = [
        ("email", "new@example.org"),
        ("password", PASSWORD),
        ("username", "Not Valid!"),
        ("csrf", &csrf),
        ("req", &req),
    ];
    assert_eq!(browser.post_form("/signup", &bad_name).await.status(), 400);
    let form = [
        ("email", "New@Example.org"),
        ("password", PASSWORD),
        ("name", "New Person"),
        ("username", "newperson"),
        ("csrf", &csrf),
        ("req", &req),
    ];
    let created = browser.post_form("/signup", &form).await;
    assert_eq!(created.status(), 200);
    let answer = created.text().await.expect("page");
    assert!(answer.contains("Check your inbox") && answer.contains(&format!("/login?req={req}")), "{answer}");
    let token = app.mailed_token("new@example.org", "/email/verify").await;

    // The page goes on to sign in, and the authorization request continues from there.
    let page = browser.get(&format!("/login?req={req}")).await.text().await.expect("page");
    let (_, callback) = browser.follow(browser.submit_sign_in(&page, "new@example.org", PASSWORD).await).await;
    let code = query_param(&callback.expect("back to the client"), "code").expect("code");
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let claims = tokens
        .id_token()
        .expect("id")
        .claims(&rp.verifier_for(CoreJwsSigningAlgorithm::EdDsa), &request.nonce)
        .expect("valid");
    assert_eq!(claims.email().map(|e| e.as_str()), Some("new@example.org"));
    assert_eq!(claims.email_verified(), Some(false));
    assert_eq!(claims.preferred_username().map(|u| u.as_str()), Some("newperson"));

    // The mailed link confirms the address, once.
    assert_eq!(browser.get(&format!("/email/verify?token={token}")).await.status(), 200);
    assert_eq!(browser.get(&format!("/email/verify?token={token}")).await.status(), 400, "single use");
    let user = mana_auth::store::users::find_by_email(&app.db, "new@example.org").await.expect("find").expect("user");
    assert!(user.email_verified);

    // A taken address gets the very same answer; its owner gets a mail instead.
    let again = Browser::new(&app.base);
    let sign_up = |email: &'static str, username: &'static str| {
        let again = &again;
        async move {
            let page = again.get("/signup").await.text().await.expect("page");
            let csrf = hidden_field(&page, "csrf");
            let form = [("email", email), ("password", PASSWORD), ("username", username), ("csrf", csrf.as_str())];
            let response = again.post_form("/signup", &form).await;
            (response.status(), response.text().await.expect("page").replace(email, "EMAIL"))
        }
    };
    let taken = sign_up("new@example.org", "").await;
    let fresh = sign_up("fresh@example.org", "").await;
    assert_eq!(taken, fresh, "a taken address answers like a new one");
    let owner_mail =
        app.mails().into_iter().find(|m| m.contains("To: new@example.org") && m.contains("already has one"));
    assert!(owner_mail.is_some(), "the owner is told");
    assert_eq!(sign_up("other@example.org", "newperson").await.0, 409, "a taken username is said so");
}
on_every_backend!(sign_up_creates_the_account_and_continues_the_flow);

async fn consent_is_asked_once_and_denial_reaches_the_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("con@example.org").await;
    let rp = RelyingParty::discover(&app.base, "consenting", Some(RP_SECRET)).await;
    let browser = Browser::new(&app.base);

    let first = rp.authorize(&["openid", "email"]);
    let (page, _) = browser.follow(browser.get(&first.url).await).await;
    let (consent, left) = browser
        .follow(browser.submit_sign_in(&page.text().await.expect("page"), "con@example.org", PASSWORD).await)
        .await;
    assert!(left.is_none(), "consent comes before any code");
    let html = consent.text().await.expect("consent page");
    assert!(html.contains("Test consenting") && html.contains("See your email address"));
    let deny =
        [("csrf", hidden_field(&html, "csrf")), ("req", hidden_field(&html, "req")), ("decision", "deny".into())];
    let denied =
        onward(&browser.post_form("/consent", &deny.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await)
            .expect("on to the client");
    assert_eq!(query_param(&denied, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&denied, "state").as_deref(), Some(first.state.secret().as_str()));

    let second = rp.authorize(&["openid", "email"]);
    let (consent, _) = browser.follow(browser.get(&second.url).await).await;
    let html = consent.text().await.expect("consent page");
    let allow =
        [("csrf", hidden_field(&html, "csrf")), ("req", hidden_field(&html, "req")), ("decision", "allow".into())];
    let (_, left) = browser
        .follow(browser.post_form("/consent", &allow.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await)
        .await;
    assert!(query_param(&left.expect("redirect"), "code").is_some());

    // Remembered: the same scopes go straight through; a wider request asks again.
    let (_, left) = browser.follow(browser.get(&rp.authorize(&["openid"]).url).await).await;
    assert!(query_param(&left.expect("redirect"), "code").is_some());
    let (page, left) = browser.follow(browser.get(&rp.authorize(&["openid", "profile"]).url).await).await;
    assert!(left.is_none());
    assert!(page.text().await.expect("page").contains("See your name and username"));
}
on_every_backend!(consent_is_asked_once_and_denial_reaches_the_client);

async fn rs256_client_gets_an_rs256_id_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("rsa@example.org").await;
    let (rp, request, code, _) =
        crate::common::signed_in_code(&app, "rsa", Some(RP_SECRET), "rsa@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let id_token = tokens.id_token().expect("id");
    assert!(id_token.claims(&rp.verifier_for(CoreJwsSigningAlgorithm::EdDsa), &request.nonce).is_err());
    id_token
        .claims(&rp.verifier_for(CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256), &request.nonce)
        .expect("RS256 verifies");
    let header = jsonwebtoken::decode_header(openidconnect::OAuth2TokenResponse::access_token(&tokens).secret())
        .expect("header");
    assert_eq!(header.alg, jsonwebtoken::Algorithm::EdDSA, "access tokens stay EdDSA");
}
on_every_backend!(rs256_client_gets_an_rs256_id_token);

async fn sign_out_without_hint_asks_first_and_checks_the_return_uri(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("out@example.org").await;
    let (_, _, _, browser) =
        crate::common::signed_in_code(&app, "rp", Some(RP_SECRET), "out@example.org", &["openid"]).await;
    let unregistered = browser.get("/logout?client_id=rp&post_logout_redirect_uri=https://evil.example/").await;
    assert_eq!(unregistered.status(), 400);
    let confirm = browser.get("/logout").await;
    assert_eq!(confirm.status(), 200);
    let html = confirm.text().await.expect("page");
    assert!(browser.get("/").await.text().await.expect("home").contains("out@example.org"), "nothing ended yet");
    let forged = browser.post_form("/logout/confirm", &[("csrf", "nope")]).await;
    assert_eq!(forged.status(), 403);
    let done = browser.post_form("/logout/confirm", &[("csrf", &hidden_field(&html, "csrf"))]).await;
    assert_eq!(location(&done), "/logout/done");
    assert!(!browser.get("/").await.text().await.expect("home").contains("out@example.org"));
}
on_every_backend!(sign_out_without_hint_asks_first_and_checks_the_return_uri);

async fn https_issuer_gets_hsts_and_secure_cookies(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.issuer = "https://auth.example.test".into()).await;
    let response = Browser::new(&app.base).get("/login").await;
    assert_eq!(response.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
    assert!(response.headers()["set-cookie"].to_str().expect("text").contains("Secure"));
    assert!(response.headers()["content-security-policy"].to_str().expect("text").contains("frame-ancestors 'none'"));
    let plain = TestApp::spawn(Backend::Sqlite).await;
    let response = Browser::new(&plain.base).get("/login").await;
    assert!(response.headers().get("strict-transport-security").is_none());
    assert!(!response.headers()["set-cookie"].to_str().expect("text").contains("Secure"));
}
on_every_backend!(https_issuer_gets_hsts_and_secure_cookies);

async fn pages_carry_a_nonce_policy_that_lets_forms_reach_only_the_client(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let browser = Browser::new(&app.base);
    let request = rp.authorize(&["openid"]);
    let login = browser.get(&request.url).await;
    let policy =
        |response: &reqwest::Response| response.headers()["content-security-policy"].to_str().expect("text").to_owned();
    let flow = policy(&browser.get(&location(&login)).await);
    assert!(flow.ends_with("form-action 'self' http://127.0.0.1:9"), "{flow}");
    assert!(flow.contains("script-src 'nonce-") && !flow.contains("unsafe-inline"), "{flow}");
    let again = policy(&browser.get(&location(&login)).await);
    let nonce = |p: &str| p.split("'nonce-").nth(1).and_then(|r| r.split('\'').next()).expect("nonce").to_owned();
    assert_ne!(nonce(&flow), nonce(&again), "a nonce per response");
    let plain = policy(&browser.get("/login").await);
    assert!(plain.ends_with("form-action 'self'"), "without a flow, forms stay here: {plain}");
}
on_every_backend!(pages_carry_a_nonce_policy_that_lets_forms_reach_only_the_client);

/// Sign-ups racing for one address: one account, and every racer the same answer.
async fn racing_sign_ups_for_one_address_answer_alike(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let attempts = futures_util::future::join_all((0..4).map(|_| {
        let browser = Browser::new(&app.base);
        async move {
            let page = browser.get("/signup").await.text().await.expect("page");
            let csrf = hidden_field(&page, "csrf");
            let form = [("email", "race@example.org"), ("password", PASSWORD), ("csrf", csrf.as_str())];
            let response = browser.post_form("/signup", &form).await;
            (response.status(), response.text().await.expect("page"))
        }
    }))
    .await;
    assert!(attempts.iter().all(|a| *a == attempts[0]), "{:?}", attempts.iter().map(|a| a.0).collect::<Vec<_>>());
    assert_eq!(attempts[0].0, 200);
    let user = mana_auth::store::users::find_by_email(&app.db, "race@example.org").await.expect("find");
    assert!(user.is_some(), "exactly one account (the address is unique)");
}
on_every_backend!(racing_sign_ups_for_one_address_answer_alike);
