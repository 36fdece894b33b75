//! Passkeys as operators meet them: `mana-auth user passkeys` lists and removes them,
//! backups carry them, deleting an account deletes them, and a server whose issuer is
//! an IP address says in one line that they are off.

use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::json;

use crate::{
    common::{
        Backend, TestApp,
        api::{Api, text},
        authenticator::{Authenticator, origin_of, passkeys_on},
    },
    passkeys::{enrol, sign_in, spawn},
};

async fn operators_list_and_remove_them_and_erasure_and_backups_handle_them(backend: Backend) {
    let (app, api) = spawn(backend.clone()).await;
    let access = text(&api.signed_up("ada@example.org").await, "accessToken");
    let origin = origin_of(&app.base);
    let (mut lost, mut kept) = (Authenticator::new(&origin), Authenticator::new(&origin));
    let lost_id = text(&enrol(&api, &access, &mut lost, "Lost phone").await.1, "id");
    assert_eq!(enrol(&api, &access, &mut kept, "Laptop").await.0, StatusCode::CREATED);

    let env = [("MANA_AUTH__DATABASE__URL", app.database_url.as_str())];
    let listed = crate::common::mana_auth(&["user", "passkeys", "--email", "ada@example.org"], &env, "");
    let out = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    assert!(out.contains(&lost_id) && out.contains("Lost phone") && out.contains("Laptop"), "{out}");
    let removed =
        crate::common::mana_auth(&["user", "passkeys", "--email", "ada@example.org", "--remove", &lost_id], &env, "");
    assert!(removed.status.success(), "{}", String::from_utf8_lossy(&removed.stderr));
    let again =
        crate::common::mana_auth(&["user", "passkeys", "--email", "ada@example.org", "--remove", &lost_id], &env, "");
    assert!(!again.status.success(), "an unknown passkey is an error");
    assert_eq!(sign_in(&api, &mut lost).await.0, StatusCode::UNAUTHORIZED);
    let (_, page) = api.get("/api/v1/auth/security-events", &access).await;
    let by_operator = page["events"].as_array().expect("events").iter().find(|e| e["type"] == "passkey.removed");
    assert_eq!(by_operator.map(|e| e["details"]["by"].clone()), Some(json!("operator")));

    // A backup carries the passkey: the restored provider signs in with it.
    let dir = std::env::temp_dir().join(format!("mana-auth-passkeys-{}", mana_auth::security::opaque::random_token(6)));
    let file = mana_auth::admin::backups::create(&app.db, &app.state.config, Some(&dir), true).await.expect("backup");
    let issuer = app.state.config.issuer.clone();
    let restored = TestApp::spawn_with(backend, |config| {
        config.issuer = issuer;
        passkeys_on(config);
    })
    .await;
    // A restore is meant for a stopped server: let this one's start-up claim of the
    // hourly clean-up land first, or it would race the restored row of the same hour.
    for _ in 0..100 {
        if entity::job_runs::Entity::find().one(&restored.db).await.expect("read").is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    mana_auth::admin::backups::restore(&restored.db, &restored.state.config, &file.path, true).await.expect("restore");
    let (status, signed_in) = sign_in(&Api::new(&restored.base), &mut kept).await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");
    let _ = std::fs::remove_dir_all(dir);

    // Deleting the account deletes its passkeys and its user handle.
    let body = json!({ "password": crate::common::PASSWORD });
    assert_eq!(api.call(Method::DELETE, "/api/v1/auth/me", Some(&access), Some(&body)).await.0, StatusCode::NO_CONTENT);
    assert_eq!(sign_in(&api, &mut kept).await.0, StatusCode::UNAUTHORIZED);
    assert!(entity::passkeys::Entity::find().all(&app.db).await.expect("read").is_empty());
    assert!(entity::passkey_users::Entity::find().all(&app.db).await.expect("read").is_empty());
}
crate::on_every_backend!(operators_list_and_remove_them_and_erasure_and_backups_handle_them);

/// On an issuer that is an IP address, without `webauthn.rp_id`, the server says in
/// one WARN line that passkeys are off, and why; on a domain it says nothing.
#[test]
fn one_warn_line_says_passkeys_are_off_on_an_ip_address() {
    let path = std::env::temp_dir().join(format!("mana-auth-{}.db", mana_auth::security::opaque::random_token(6)));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let run = |args: &[&str], issuer: &str| {
        crate::common::mana_auth(args, &[("MANA_AUTH__DATABASE__URL", url.as_str()), ("MANA_AUTH__ISSUER", issuer)], "")
    };
    // A command that starts the application as `serve` does, then stops.
    let warnings = |issuer: &str| -> Vec<String> {
        let output = run(&["user", "delete", "--email", "nobody@example.org"], issuer);
        String::from_utf8_lossy(&output.stderr).lines().filter(|l| l.contains("passkeys")).map(str::to_owned).collect()
    };
    assert!(run(&["migrate"], "http://127.0.0.1:3001").status.success());
    let off = warnings("http://127.0.0.1:3001");
    assert_eq!(off.len(), 1, "{off:?}");
    assert!(off[0].contains("WARN") && off[0].contains("passkeys are off") && off[0].contains("webauthn.rp_id"));
    assert_eq!(warnings("http://localhost:3001"), Vec::<String>::new());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}
