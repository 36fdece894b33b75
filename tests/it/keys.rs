//! Key rotation without downtime, emergency rotation, and processes following each other.

use mana_auth::store::security_events::{self, Filter};
use serde_json::Value;

use crate::{
    common::{Backend, SERVICE_SECRET, TestApp, token_request},
    on_every_backend,
};

async fn service_token(app: &TestApp) -> String {
    let response = token_request(app, ("service", SERVICE_SECRET), &[("grant_type", "client_credentials")]).await;
    let body: Value = response.json().await.expect("json");
    body["access_token"].as_str().expect("token").to_owned()
}

fn kid(token: &str) -> String {
    jsonwebtoken::decode_header(token).expect("header").kid.expect("kid")
}

async fn published_kids(app: &TestApp) -> Vec<String> {
    let jwks: Value = reqwest::get(app.url("/.well-known/jwks.json")).await.expect("get").json().await.expect("json");
    jwks["keys"].as_array().expect("keys").iter().map(|k| k["kid"].as_str().unwrap_or_default().to_owned()).collect()
}

async fn introspect_active(app: &TestApp, token: &str) -> bool {
    crate::common::introspect(app, token).await["active"] == true
}

/// Runs the schedule once and reloads, as the serving loop does every `keys.reload_secs`.
async fn tick(app: &TestApp) {
    mana_auth::keys::rotation::run(
        &app.db,
        mana_auth::keys::rotation::Policy::from_config(&app.state.config),
        app.state.keys.vault(),
        &app.state.config.notify,
    )
    .await
    .expect("schedule");
    app.state.keys.refresh(&app.db).await.expect("reload");
}

async fn rotation_prepublishes_and_keeps_old_tokens_valid(backend: Backend) {
    // The schedule runs only when this test says (the serving loop waits a minute).
    let app = TestApp::spawn_with(backend, |c| {
        c.keys.prepublish_hours = 0;
        c.keys.reload_secs = 60;
    })
    .await;
    let before = service_token(&app).await;
    let old_kid = kid(&before);

    mana_auth::keys::rotation::rotate(&app.db, app.state.keys.vault(), &app.state.config.notify).await.expect("rotate");
    app.state.keys.refresh(&app.db).await.expect("reload");
    let published = published_kids(&app).await;
    assert_eq!(published.len(), 4, "the next keys are published before they sign");
    assert_eq!(kid(&service_token(&app).await), old_kid, "the old key still signs");

    tick(&app).await;
    let after = service_token(&app).await;
    assert_ne!(kid(&after), old_kid, "the next key took over");
    assert!(published.contains(&kid(&after)), "it was published before it signed");
    let now_published = published_kids(&app).await;
    assert!(now_published.contains(&old_kid), "the retired key stays published");
    assert!(introspect_active(&app, &before).await, "tokens of the retired key stay valid");
    crate::oidc_flow::verify_with_jwks(&app, &before).await;
    crate::oidc_flow::verify_with_jwks(&app, &after).await;
}
on_every_backend!(rotation_prepublishes_and_keeps_old_tokens_valid);

async fn emergency_rotation_invalidates_every_earlier_token(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let before = service_token(&app).await;
    assert!(introspect_active(&app, &before).await, "valid, and now remembered as verified");
    mana_auth::keys::rotation::emergency(&app.db, app.state.keys.vault(), &app.state.config.notify)
        .await
        .expect("emergency");
    app.state.keys.refresh(&app.db).await.expect("reload");
    let published = published_kids(&app).await;
    assert_eq!(published.len(), 2);
    assert!(!published.contains(&kid(&before)), "the leaked key is gone");
    assert!(!introspect_active(&app, &before).await, "its tokens no longer verify");
    let after = service_token(&app).await;
    assert!(published.contains(&kid(&after)));
    assert!(introspect_active(&app, &after).await);
}
on_every_backend!(emergency_rotation_invalidates_every_earlier_token);

async fn a_second_process_follows_a_rotation(backend: Backend) {
    let first = TestApp::spawn(backend).await;
    let second = first.spawn_beside(|c| c.keys.reload_secs = 1).await;
    assert_eq!(published_kids(&first).await, published_kids(&second).await, "one key set for both");
    mana_auth::keys::rotation::emergency(&first.db, first.state.keys.vault(), &first.state.config.notify)
        .await
        .expect("emergency");
    first.state.keys.refresh(&first.db).await.expect("reload");
    let expected = published_kids(&first).await;
    let mut followed = false;
    for _ in 0..50 {
        if published_kids(&second).await == expected {
            followed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(followed, "the second process picked up the rotation by itself");
    assert!(expected.contains(&kid(&service_token(&second).await)), "and signs with the new key");
}
on_every_backend!(a_second_process_follows_a_rotation);

async fn an_exported_key_set_imports_back(backend: Backend) {
    let app =
        TestApp::spawn_with(backend, |c| c.backup.key = Some(mana_auth::config::Secret::new("key export passphrase")))
            .await;
    let token = service_token(&app).await;
    let before = published_kids(&app).await;
    let file =
        std::env::temp_dir().join(format!("mana-auth-keys-{}.export", mana_auth::security::opaque::random_token(6)));
    assert_eq!(mana_auth::admin::keys::export(&app.db, &app.state.config, &file).await.expect("export"), 2);
    let exported = std::fs::read(&file).expect("read");
    assert!(!exported.windows(3).any(|w| w == b"kty"), "the export is encrypted");

    mana_auth::keys::rotation::emergency(&app.db, app.state.keys.vault(), &app.state.config.notify)
        .await
        .expect("emergency");
    app.state.keys.refresh(&app.db).await.expect("reload");
    assert!(!introspect_active(&app, &token).await);

    let mut wrong = (*app.state.config).clone();
    wrong.backup.key = Some(mana_auth::config::Secret::new("not the passphrase"));
    assert!(mana_auth::admin::keys::import(&app.db, &wrong, &file).await.is_err(), "a wrong key imports nothing");
    assert_eq!(mana_auth::admin::keys::import(&app.db, &app.state.config, &file).await.expect("import"), 2);
    let imports = Filter { kind: Some("keys.imported".into()), limit: 10, ..Filter::default() };
    let imports = security_events::list(&app.db, imports).await.expect("events");
    assert_eq!(imports.len(), 1, "the import is audited");
    app.state.keys.refresh(&app.db).await.expect("reload");
    assert_eq!(published_kids(&app).await, before);
    assert!(introspect_active(&app, &token).await, "tokens of the imported keys verify again");
    let _ = std::fs::remove_file(file);
}
on_every_backend!(an_exported_key_set_imports_back);
