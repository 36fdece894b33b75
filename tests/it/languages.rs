//! The hosted pages and mails in English and German: chosen by Accept-Language (with
//! regions and weights), by the page's switch (kept in a cookie), or by the default.

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        browser::{Browser, hidden_field},
        mana_auth,
    },
    on_every_backend,
};

const GERMAN_BROWSER: &str = "de-DE,de;q=0.9,en;q=0.8";

async fn page(browser: &Browser, path: &str) -> (u16, String) {
    let response = browser.get(path).await;
    (response.status().as_u16(), response.text().await.expect("page"))
}

async fn accept_language_picks_the_page_language_by_weight(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (_, german) = page(&Browser::speaking(&app.base, GERMAN_BROWSER), "/login").await;
    assert!(german.contains(r#"<html lang="de">"#), "{german}");
    assert!(german.contains("<h1>Anmelden</h1>") && german.contains(">Passwort<"), "{german}");
    assert!(german.contains(r#"href="/login?lang=en""#) && german.contains(">English<"), "a way to English");
    for (header, lang) in [
        ("en;q=0.5, de-AT;q=0.9", "de"),
        ("fr-FR, fr;q=0.9, de;q=0.7, en;q=0.3", "de"),
        ("de;q=0, en;q=0.1", "en"),
        ("fr", "en"),
        ("", "en"),
        ("*", "en"),
    ] {
        let (_, html) = page(&Browser::speaking(&app.base, header), "/signup").await;
        assert!(html.contains(&format!(r#"<html lang="{lang}">"#)), "`{header}`");
    }
    let (_, english) = page(&Browser::new(&app.base), "/signup").await;
    assert!(english.contains("<h1>Create an account</h1>"), "{english}");
    assert!(english.contains(r#"href="/signup?lang=de""#) && english.contains(">Deutsch<"));
}
on_every_backend!(accept_language_picks_the_page_language_by_weight);

async fn the_switch_is_kept_in_a_cookie_and_keeps_the_request(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = Browser::speaking(&app.base, "en");
    let response = browser.get("/login?req=abc&lang=de").await;
    let cookie = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("mana_lang="))
        .expect("the choice is kept")
        .to_owned();
    assert!(cookie.starts_with("mana_lang=de;") && cookie.contains("SameSite=Lax"), "{cookie}");
    let html = response.text().await.expect("page");
    assert!(html.contains("<h1>Anmelden</h1>"));
    assert!(html.contains(r#"href="/login?req=abc&#38;lang=en""#), "the switch back keeps the request: {html}");
    // Later pages follow the cookie, not the header.
    let (_, later) = page(&browser, "/password/forgot").await;
    assert!(later.contains("<h1>Passwort zurücksetzen</h1>"), "{later}");
    // An unknown language changes nothing.
    let (status, same) = page(&browser, "/login?lang=xx").await;
    assert_eq!(status, 200);
    assert!(same.contains("<h1>Anmelden</h1>"));
    let (_, back) = page(&browser, "/login?lang=en").await;
    assert!(back.contains("<h1>Sign in</h1>"));
    // A page that answers a form offers no links: the form would be lost.
    let (_, form_page) = page(&browser, "/login").await;
    let answer = browser
        .post_form(
            "/login",
            &[
                ("email", "nobody@example.org"),
                ("password", "wrong password!"),
                ("csrf", &hidden_field(&form_page, "csrf")),
            ],
        )
        .await;
    assert_eq!(answer.status(), 401);
    let answer = answer.text().await.expect("page");
    assert!(answer.contains("Incorrect email or password.") && !answer.contains("lang=de"), "{answer}");
}
on_every_backend!(the_switch_is_kept_in_a_cookie_and_keeps_the_request);

async fn error_pages_speak_the_readers_language(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let browser = Browser::speaking(&app.base, GERMAN_BROWSER);
    let (status, missing) = page(&browser, "/no/such/page").await;
    assert_eq!(status, 404);
    assert!(missing.contains("Unter dieser Adresse gibt es keine Seite."), "{missing}");
    let forged =
        browser.post_form("/login", &[("email", "a@example.org"), ("password", PASSWORD), ("csrf", "x")]).await;
    assert_eq!(forged.status(), 403);
    assert!(forged.text().await.expect("page").contains("Das Formular ist abgelaufen."));
    let wrong = browser.post_form("/login", &[("email", "a@example.org")]).await;
    assert!(wrong.status().is_client_error());
    assert!(wrong.text().await.expect("page").contains("Das Formular ist unvollständig oder fehlerhaft."));
    let (status, english) = page(&Browser::new(&app.base), "/authorize").await;
    assert_eq!(status, 400);
    assert!(english.contains("client_id is missing."), "{english}");
}
on_every_backend!(error_pages_speak_the_readers_language);

async fn mails_follow_the_language_the_account_signed_up_in(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let german = Browser::speaking(&app.base, GERMAN_BROWSER);
    let (_, form) = page(&german, "/signup").await;
    let created = german
        .post_form(
            "/signup",
            &[("email", "greta@example.org"), ("password", PASSWORD), ("csrf", &hidden_field(&form, "csrf"))],
        )
        .await;
    assert_eq!(created.status(), 200);
    assert!(created.text().await.expect("page").contains("Sehen Sie in Ihr Postfach"));
    app.mailed_token("greta@example.org", "/email/verify").await;
    let verify = app.mails().into_iter().find(|m| m.contains("/email/verify")).expect("mailed");
    assert!(verify.contains("Bestätigen Sie, dass greta@example.org Ihre Adresse ist"), "{verify}");
    // The reset link is asked for from an English browser; the mail is still German.
    let english = Browser::new(&app.base);
    let (_, forgot) = page(&english, "/password/forgot").await;
    let asked = english
        .post_form("/password/forgot", &[("email", "greta@example.org"), ("csrf", &hidden_field(&forgot, "csrf"))])
        .await;
    assert!(asked.text().await.expect("page").contains("Check your inbox"));
    app.mailed_token("greta@example.org", "/password/reset").await;
    let reset = app.mails().into_iter().find(|m| m.contains("/password/reset")).expect("mailed");
    assert!(reset.contains("Jemand hat darum gebeten, das Passwort des Kontos greta@example.org"), "{reset}");
    // An account made without a language (by an operator) gets the default: English.
    app.user("ada@example.org").await;
    let (_, forgot) = page(&german, "/password/forgot").await;
    german
        .post_form("/password/forgot", &[("email", "ada@example.org"), ("csrf", &hidden_field(&forgot, "csrf"))])
        .await;
    app.mailed_token("ada@example.org", "/password/reset").await;
    let to_ada = app.mails().into_iter().find(|m| m.contains("To: ada@example.org")).expect("mailed");
    assert!(to_ada.contains("Someone asked to reset the password"), "{to_ada}");
}
on_every_backend!(mails_follow_the_language_the_account_signed_up_in);

async fn the_default_language_is_set_by_the_operator(backend: Backend) {
    let app = TestApp::spawn_with(backend, |config| config.i18n.default_language = "de".into()).await;
    let (_, html) = page(&Browser::new(&app.base), "/login").await;
    assert!(html.contains("<h1>Anmelden</h1>"), "{html}");
    let (_, english) = page(&Browser::speaking(&app.base, "en-GB"), "/login").await;
    assert!(english.contains("<h1>Sign in</h1>"));
    let api = reqwest::Client::new()
        .post(app.url("/api/v1/auth/register"))
        .json(&serde_json::json!({ "email": "api@example.org", "password": PASSWORD }))
        .send()
        .await
        .expect("register");
    assert_eq!(api.status(), 201);
    let user = mana_auth::store::users::find_by_email(&app.db, "api@example.org").await.expect("read").expect("user");
    assert_eq!(user.language.as_deref(), Some("de"), "an API sign-up without Accept-Language: the default");
}
on_every_backend!(the_default_language_is_set_by_the_operator);

#[test]
fn an_unknown_default_language_stops_the_start_with_its_name() {
    let output = mana_auth(&["migrate"], &[("MANA_AUTH__I18N__DEFAULT_LANGUAGE", "xx")], "");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.contains("i18n.default_language") && stderr.contains("(there are: de, en)"), "{stderr}");
}
