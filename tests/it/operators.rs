//! What operators do outside HTTP: add and remove clients, and start-up refusing bad settings.

use mana_auth::{
    admin::clients::{self, By},
    config::{ClientConfig, Config, Secret},
    store,
};
use sea_orm::{EntityTrait, PaginatorTrait};

use crate::{
    common::{Backend, TestApp, mana_auth},
    on_every_backend,
};

pub(crate) fn service(id: &str) -> ClientConfig {
    ClientConfig {
        id: id.into(),
        secret: None,
        redirect_uris: vec![],
        post_logout_redirect_uris: vec![],
        name: None,
        skip_consent: false,
        grant_types: vec!["client_credentials".into()],
        backchannel_logout_uri: None,
        id_token_signed_response_alg: None,
        introspection: false,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        resources: None,
    }
}

async fn added_client_secret_is_shown_once_and_stored_as_a_digest(backend: Backend) {
    // Without the client cache a removal is refused at once (the cache has its own test).
    let app = TestApp::spawn_with(backend, |config| config.cache.clients_secs = 0).await;
    let secret =
        clients::add(&app.db, service("cli-service"), false, By::Operator).await.expect("added").expect("a secret");
    assert!(secret.len() >= 43, "at least 256 bits");
    let stored = store::clients::find(&app.db, "cli-service").await.expect("db").expect("stored");
    assert_eq!(stored.secret_hash.as_deref(), Some(mana_auth::security::opaque::digest(&secret).as_str()));
    let ok =
        crate::common::token_request(&app, ("cli-service", &secret), &[("grant_type", "client_credentials")]).await;
    assert_eq!(ok.status(), 200);

    assert!(clients::add(&app.db, service("cli-service"), false, By::Operator).await.is_err(), "ids are unique");
    assert!(clients::add(&app.db, service("rp"), false, By::Operator).await.is_err(), "config ids are taken too");
    assert!(clients::remove(&app.db, "rp", By::Operator).await.is_err(), "config clients are removed in config");
    clients::remove(&app.db, "cli-service", By::Operator).await.expect("removed");
    let gone =
        crate::common::token_request(&app, ("cli-service", &secret), &[("grant_type", "client_credentials")]).await;
    assert_eq!(gone.status(), 401);
}
on_every_backend!(added_client_secret_is_shown_once_and_stored_as_a_digest);

#[tokio::test]
async fn unreachable_database_stops_start_up_naming_the_setting() {
    let mut config = Config::load(None).expect("defaults");
    config.database.url = Secret::new("postgres://postgres@127.0.0.1:1/none");
    config.database.connect_timeout_secs = 1;
    let Err(err) = mana_auth::build_state(config).await else { panic!("start-up must fail") };
    assert!(err.to_string().starts_with("database.url:"), "{err}");
}

#[tokio::test]
async fn environment_layers_over_the_defaults_and_bad_values_name_their_key() {
    let path = std::env::temp_dir().join(format!("mana-auth-{}.db", mana_auth::security::opaque::random_token(6)));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let env = [("MANA_AUTH__DATABASE__URL", url.as_str())];
    let migrated = mana_auth(&["migrate"], &env, "");
    assert!(migrated.status.success(), "{}", String::from_utf8_lossy(&migrated.stderr));
    let added =
        mana_auth(&["user", "add", "--email", "cli@example.org", "--password-stdin"], &env, "a long enough password\n");
    assert!(added.status.success(), "{}", String::from_utf8_lossy(&added.stderr));
    assert!(path.exists(), "the database named by the environment was created");
    let client = mana_auth(&["client", "add", "--id", "tool", "--grant-type", "client_credentials"], &env, "");
    let printed = String::from_utf8_lossy(&client.stdout);
    assert!(printed.contains("client_secret: "), "{printed}");
    let server = mana_auth(
        &["client", "add", "--id", "warehouse", "--grant-type", "client_credentials", "--introspection"],
        &env,
        "",
    );
    assert!(server.status.success(), "{}", String::from_utf8_lossy(&server.stderr));
    let listed = mana_auth(&["client", "list"], &env, "");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.starts_with("tool\tconfidential\tcli"), "{listed}");
    assert!(listed.contains("\nwarehouse\tconfidential,introspection\tcli"), "a resource server: {listed}");
    assert!(!listed.contains(printed.split("client_secret: ").nth(1).unwrap_or("x").lines().next().unwrap_or("x")));
    let granted = mana_auth(
        &["credits", "grant", "--email", "cli@example.org", "--amount", "25", "--reason", "refund"],
        &env,
        "",
    );
    assert!(granted.status.success(), "{}", String::from_utf8_lossy(&granted.stderr));
    let audited = mana_auth(&["audit", "--type", "credits.granted"], &env, "");
    let audited = String::from_utf8_lossy(&audited.stdout);
    assert!(
        audited.contains(r#""amount":25"#) && audited.contains("refund"),
        "an operator's grant is audited: {audited}"
    );
    let refused =
        mana_auth(&["credits", "grant", "--email", "cli@example.org", "--amount", "-500", "--reason", "x"], &env, "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("fewer than 500"), "never below zero");
    let taken =
        mana_auth(&["credits", "grant", "--email", "cli@example.org", "--amount", "-5", "--reason", "x"], &env, "");
    assert!(taken.status.success(), "{}", String::from_utf8_lossy(&taken.stderr));
    let keys = mana_auth(&["keys", "rotate", "--emergency"], &env, "");
    assert!(keys.status.success());
    let listed = mana_auth(&["keys", "list"], &env, "");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let times = |line: &str| line.split('\t').skip(3).all(|field| field.contains("T") && field.ends_with('Z'));
    assert!(listed.lines().count() >= 2 && listed.lines().all(times), "keys with RFC 3339 times: {listed}");
    let doctor = mana_auth(&["doctor"], &env, "");
    assert!(doctor.status.success(), "{}", String::from_utf8_lossy(&doctor.stdout));
    assert_eq!(
        String::from_utf8_lossy(&doctor.stdout).trim(),
        "schema: ok\nkeys: ok\norphans: ok\nledger: ok\nsecrets: ok"
    );
    let db = sea_orm::Database::connect(&url).await.expect("open");
    sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        "UPDATE credit_accounts SET balance = balance + 7 WHERE kind = 'paid'",
    )
    .await
    .expect("tamper");
    db.close().await.expect("close");
    let broken = mana_auth(&["doctor"], &env, "");
    assert!(!broken.status.success(), "a tampered balance makes doctor fail");
    assert!(String::from_utf8_lossy(&broken.stdout).contains("balance"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }

    let bad = mana_auth(&["migrate"], &[("MANA_AUTH__ISSUER", "not a url")], "");
    assert!(!bad.status.success());
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(stderr.lines().count(), 1, "one clear line: {stderr}");
    assert!(stderr.contains("issuer"), "{stderr}");
}

#[test]
fn unknown_setting_in_a_file_stops_start_up() {
    let path = std::env::temp_dir().join(format!("mana-auth-{}.toml", mana_auth::security::opaque::random_token(6)));
    std::fs::write(&path, "[server]\nbind = \"127.0.0.1:1\"\nbindd = \"x\"\n").expect("write");
    let err = Config::load(Some(&path)).expect_err("refused");
    std::fs::remove_file(&path).ok();
    assert!(err.to_string().contains("bindd"), "{err}");
}

async fn global_sign_out_ends_every_session(backend: Backend) {
    use crate::common::api::{Api, text};
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let one = api.signed_up("g1@example.org").await;
    let two = api.signed_up("g2@example.org").await;
    app.user("browser@example.org").await;
    let (_, _, _, browser) =
        crate::common::signed_in_code(&app, "rp", Some(crate::common::RP_SECRET), "browser@example.org", &["openid"])
            .await;
    assert!(browser.get("/").await.text().await.expect("home").contains("browser@example.org"));

    let ended = store::cleanup::sign_out_everyone(&app.db).await.expect("sign everyone out");
    assert_eq!(ended, 3);
    for tokens in [&one, &two] {
        assert_eq!(api.validate(&text(tokens, "accessToken")).await["valid"], false);
        let (status, _) =
            api.post("/api/v1/auth/refresh", None, &serde_json::json!({"refreshToken": tokens["refreshToken"]})).await;
        assert_eq!(status, 401);
    }
    assert!(!browser.get("/").await.text().await.expect("home").contains("browser@example.org"));

    // The server's own hourly sweep also runs once at start, and may come after the
    // sign-out: count what is left, not what this sweep deleted.
    store::cleanup::sweep(&app.db, &app.state.config).await.expect("sweep");
    let left = entity::auth_sessions::Entity::find().count(&app.db).await.expect("count");
    assert_eq!(left, 0, "ended sessions are cleaned up");
    assert_eq!(api.login("g1@example.org", None).await["tokenType"], "Bearer", "signing in again works");
}
on_every_backend!(global_sign_out_ends_every_session);

async fn free_port() -> u16 {
    tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port").local_addr().expect("addr").port()
}

/// The real binary: serves, answers the readiness probe, serves metrics on their own
/// listener, and stops cleanly on SIGTERM.
#[tokio::test]
async fn the_server_stops_cleanly_on_sigterm() {
    let path = std::env::temp_dir().join(format!("mana-auth-{}.db", mana_auth::security::opaque::random_token(6)));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let (bind, metrics_bind) = (format!("127.0.0.1:{}", free_port().await), format!("127.0.0.1:{}", free_port().await));
    let env = [
        ("MANA_AUTH__DATABASE__URL", url.as_str()),
        ("MANA_AUTH__SERVER__BIND", bind.as_str()),
        ("MANA_AUTH__METRICS__BIND", metrics_bind.as_str()),
    ];
    let mut server = std::process::Command::new(env!("CARGO_BIN_EXE_mana-auth"))
        .envs(env)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("server starts");
    let mut ready = false;
    for _ in 0..100 {
        if mana_auth(&["probe"], &env, "").status.success() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let metrics = reqwest::get(format!("http://{metrics_bind}/metrics")).await.map(|r| r.status().as_u16());
    let public = reqwest::get(format!("http://{bind}/metrics")).await.map(|r| r.status().as_u16());
    let killed = std::process::Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    let mut exited = None;
    for _ in 0..100 {
        if let Ok(Some(status)) = server.try_wait() {
            exited = Some(status);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if exited.is_none() {
        let _ = server.kill();
        let _ = server.wait();
    }
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    assert!(ready, "the probe saw the server ready");
    assert_eq!((metrics.ok(), public.ok()), (Some(200), Some(404)), "metrics only on metrics.bind");
    assert!(killed.is_ok_and(|s| s.success()));
    assert!(exited.is_some_and(|s| s.success()), "SIGTERM stops the server with success: {exited:?}");
    assert!(!mana_auth(&["probe"], &env, "").status.success(), "nothing answers after the stop");
}

/// With a key-encryption key, private keys are sealed at rest and nothing starts without it.
#[tokio::test]
async fn private_keys_are_sealed_at_rest_under_the_kek() {
    let path = std::env::temp_dir().join(format!("mana-auth-{}.db", mana_auth::security::opaque::random_token(6)));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let kek = "a key-encryption key of at least 32 characters";
    let plain_env = [("MANA_AUTH__DATABASE__URL", url.as_str()), ("MANA_AUTH__SERVER__BIND", "127.0.0.1:1")];
    let sealed_env = [plain_env[0], plain_env[1], ("MANA_AUTH_KEY_ENCRYPTION_KEY", kek)];
    assert!(mana_auth(&["migrate"], &plain_env, "").status.success());
    let rotated = mana_auth(&["keys", "rotate", "--emergency"], &sealed_env, "");
    assert!(rotated.status.success(), "{}", String::from_utf8_lossy(&rotated.stderr));

    let db = sea_orm::Database::connect(&url).await.expect("open");
    let keys = mana_auth::store::jwks::all(&db).await.expect("keys");
    db.close().await.expect("close");
    assert_eq!(keys.len(), 2);
    assert!(keys.iter().all(|k| k.private_der.starts_with(b"MKEK1:")), "every private key is sealed");

    let refused = mana_auth(&["serve"], &plain_env, "");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("MANA_AUTH_KEY_ENCRYPTION_KEY"));
    let wrong =
        [plain_env[0], plain_env[1], ("MANA_AUTH_KEY_ENCRYPTION_KEY", "another key-encryption key of 32 chars")];
    let wrong = mana_auth(&["serve"], &wrong, "");
    assert!(!wrong.status.success(), "a wrong KEK opens nothing");
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("wrong MANA_AUTH_KEY_ENCRYPTION_KEY"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// Logs piped to a file or a shipper carry no colour codes, and `log.format = "json"`
/// writes one JSON object per line.
#[test]
fn logs_are_plain_when_piped_and_json_when_asked() {
    let logged = |format: &str| {
        let path = std::env::temp_dir().join(format!("mana-auth-{}.db", mana_auth::security::opaque::random_token(6)));
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mana-auth"))
            .arg("migrate")
            .env("MANA_AUTH__DATABASE__URL", format!("sqlite://{}?mode=rwc", path.display()))
            .env("MANA_AUTH__LOG__FORMAT", format)
            .env("RUST_LOG", "info")
            .output()
            .expect("runs");
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        assert!(output.status.success());
        String::from_utf8(output.stderr).expect("utf-8")
    };
    let text = logged("text");
    assert!(text.contains("Applying all pending migrations"), "{text}");
    assert!(!text.contains('\u{1b}'), "no escape codes: {text:?}");
    let migrating = text.lines().find(|l| l.contains("Applying all pending migrations")).expect("line");
    assert!(migrating.contains(" INFO sea_orm_migration::migrator"), "level and target: {migrating}");
    let json = logged("json");
    let lines: Vec<&str> = json.lines().collect();
    assert!(!lines.is_empty());
    for line in lines {
        let event: serde_json::Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event["level"].is_string() && event["timestamp"].is_string(), "{line}");
    }
}
