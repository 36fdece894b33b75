//! `mana-auth users force-reset`: every password stops working at once, every session
//! and refresh token ends, and with `--mail` each person gets a link that sets a new
//! password. The act is audited.

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    common::{
        Backend, PASSWORD, TestApp,
        api::{Api, text},
        mana_auth,
    },
    on_every_backend,
};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn a_forced_reset_stops_every_password_until_a_mailed_link_sets_a_new_one(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    app.user("ada@example.org").await;
    app.user("bob@example.org").await;
    let signed_in = api.login("ada@example.org", None).await;
    let outbox = app.state.config.mail.outbox_dir.clone();
    let env =
        [("MANA_AUTH__DATABASE__URL", app.database_url.as_str()), ("MANA_AUTH__MAIL__OUTBOX_DIR", outbox.as_str())];

    let done = mana_auth(&["users", "force-reset", "--mail"], &env, "");
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(done.status.success(), "{said}{}", String::from_utf8_lossy(&done.stderr));
    assert!(said.contains("passwords reset for 2 user(s)") && said.contains("2 reset link(s) mailed"), "{said}");

    let old = json!({ "email": "ada@example.org", "password": PASSWORD });
    let (status, refused) = api.post("/api/v1/auth/login", None, &old).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old password is refused like a wrong one: {refused}");
    let refresh = json!({ "refreshToken": text(&signed_in, "refreshToken") });
    assert_eq!(api.post("/api/v1/auth/refresh", None, &refresh).await.0, StatusCode::UNAUTHORIZED, "refresh revoked");
    assert_eq!(api.validate(&text(&signed_in, "accessToken")).await["valid"], false, "the session has ended");

    let token = app.mailed_token("ada@example.org", "/password/reset").await;
    let reset = json!({ "token": token, "newPassword": NEW_PASSWORD });
    assert_eq!(api.post("/api/v1/auth/password/reset", None, &reset).await.0, StatusCode::OK);
    let new = json!({ "email": "ada@example.org", "password": NEW_PASSWORD });
    assert_eq!(api.post("/api/v1/auth/login", None, &new).await.0, StatusCode::OK);
    app.mailed_token("bob@example.org", "/password/reset").await;

    let audited = mana_auth(&["audit", "--type", "passwords.force_reset"], &env, "");
    assert_eq!(String::from_utf8_lossy(&audited.stdout).lines().count(), 1);
}
on_every_backend!(a_forced_reset_stops_every_password_until_a_mailed_link_sets_a_new_one);
