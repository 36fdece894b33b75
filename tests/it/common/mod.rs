//! The test app: the real mana-auth on a random port with a fresh database of its own,
//! plus a back-channel logout receiver and the clients the tests use.

pub mod api;
pub mod authenticator;
pub mod browser;
pub mod chromium;
pub mod database;
pub mod dpop;
pub mod proxy;
pub mod rp;
pub mod seed;
pub mod upstream;

use std::{net::SocketAddr, sync::Arc};

use axum::{Form, Router, routing::post};
use mana_auth::{
    config::{ClientConfig, Config, OptionalAddr, PasswordsConfig, Secret},
    security::opaque::random_token,
};
use tokio::{net::TcpListener, sync::Mutex};

pub use database::Backend;

pub const RP_SECRET: &str = "rp-secret-0123456789abcdef";
pub const SERVICE_SECRET: &str = "service-secret-0123456789abcdef";
pub const RP_REDIRECT: &str = "http://127.0.0.1:9/callback";
pub const RP_LOGGED_OUT: &str = "http://127.0.0.1:9/logged-out";
pub const PASSWORD: &str = "correct horse battery";
pub const SECRETS_KEY: &str = "test secrets key, 32 characters or more";

/// Declares a scenario once and runs it on SQLite and on PostgreSQL. A scenario that
/// needs an outside service names the `cfg` the build script sets when it is there
/// (`needs test_redis`), so without it the scenario is reported as ignored.
#[macro_export]
macro_rules! on_every_backend {
    ($name:ident) => {
        $crate::on_every_backend!($name, needs all());
    };
    ($name:ident, needs $service:meta) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(not($service), ignore = "needs an outside test service: see the README")]
            async fn sqlite() {
                super::$name($crate::common::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            #[cfg_attr(
                not(all(test_postgres, $service)),
                ignore = "needs MANA_AUTH_TEST_POSTGRES_URL (and any other test service): see the README"
            )]
            async fn postgres() {
                super::$name($crate::common::Backend::postgres()).await;
            }
        }
    };
}

pub struct TestApp {
    pub base: String,
    /// The listener that serves `/metrics` alone (`metrics.bind`).
    pub metrics_base: String,
    pub db: mana_auth::store::db::Db,
    pub state: mana_auth::state::AppState,
    /// Logout tokens the back-channel receiver got, in order.
    pub logout_tokens: Arc<Mutex<Vec<String>>>,
    pub database_url: String,
    /// The database this app created and drops; `None` for an app beside another.
    _database: Option<database::TestDatabase>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_on_prepared(database::TestDatabase::create(backend).await, adjust).await
    }

    /// The app on a database the test has prepared, e.g. with a command of the binary.
    pub async fn spawn_on_prepared(database: database::TestDatabase, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_listening(database, listener("127.0.0.1").await, adjust).await
    }

    /// The app on a listener the test bound first, e.g. on another loopback address, or
    /// to know its address before it starts.
    pub async fn spawn_listening(
        database: database::TestDatabase,
        listener: TcpListener,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut app = Self::spawn_on(database.url.clone(), true, listener, adjust).await;
        app._database = Some(database);
        app
    }

    /// A second process on the same database, as behind a load balancer.
    pub async fn spawn_beside(&self, adjust: impl FnOnce(&mut Config)) -> TestApp {
        Self::spawn_on(self.database_url.clone(), false, listener("127.0.0.1").await, adjust).await
    }

    async fn spawn_on(
        database_url: String,
        fresh: bool,
        listener: TcpListener,
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let (receiver, logout_tokens) = spawn_logout_receiver().await;
        let addr = listener.local_addr().expect("addr");
        let metrics = TcpListener::bind("127.0.0.1:0").await.expect("bind metrics");
        let metrics_addr = metrics.local_addr().expect("addr");
        let mut config = Config::load(None).expect("defaults");
        config.issuer = format!("http://{addr}");
        config.metrics.bind = OptionalAddr(Some(metrics_addr));
        config.database.url = Secret::new(database_url.clone());
        config.database.max_connections = 8;
        config.clients = test_clients(receiver);
        let outbox = std::env::temp_dir().join(format!("mana-auth-outbox-{}", random_token(8)));
        config.mail.outbox_dir = outbox.display().to_string();
        config.security.secrets_key = Some(Secret::new(SECRETS_KEY));
        // Cheap hashes: the suite tests the flows; `cargo bench` measures the real cost.
        config.passwords = PasswordsConfig { memory_kib: 1024, iterations: 1, parallelism: 1 };
        adjust(&mut config);
        config.validate().expect("test config is valid");
        if fresh {
            seed::fresh_database(&config).await;
        }
        let state = mana_auth::build_state(config).await.expect("app starts");
        let db = state.db.clone();
        tokio::spawn(mana_auth::serve(state.clone(), listener, Some(metrics)));
        TestApp {
            base: format!("http://{addr}"),
            metrics_base: format!("http://{metrics_addr}"),
            db,
            state,
            logout_tokens,
            database_url,
            _database: None,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The text `/metrics` answers on the metrics listener.
    pub async fn metrics(&self) -> String {
        let response = reqwest::get(format!("{}/metrics", self.metrics_base)).await.expect("get metrics");
        assert_eq!(response.status(), 200);
        response.text().await.expect("text")
    }

    /// The messages mailed so far (the outbox), oldest first, decoded to plain text.
    pub fn mails(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.state.config.mail.outbox_dir) else { return Vec::new() };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files.iter().map(|f| unfold_quoted_printable(&std::fs::read_to_string(f).expect("mail"))).collect()
    }

    /// Waits for a mail to `to` whose body links to `path`, and returns the link's token.
    pub async fn mailed_token(&self, to: &str, path: &str) -> String {
        for _ in 0..100 {
            let found = self.mails().into_iter().rev().find(|m| m.contains(&format!("To: {to}")) && m.contains(path));
            if let Some(mail) = found {
                let start = mail.find(&format!("{path}?token=")).expect("link") + path.len() + "?token=".len();
                return mail[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || "-_".contains(*c)).collect();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no mail to {to} linking {path}: {:?}", self.mails());
    }

    /// Creates a user with the shared test password.
    pub async fn user(&self, email: &str) -> entity::users::Model {
        let new = mana_auth::admin::users::AddUser {
            email: email.into(),
            username: Some(email.split('@').next().unwrap_or(email).into()),
            name: Some("Test User".into()),
            password: PASSWORD.into(),
        };
        mana_auth::admin::users::add(&self.db, &self.state.passwords, &self.state.config.credits, new)
            .await
            .expect("user created")
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.state.config.mail.outbox_dir);
    }
}

/// A listener on a free port of the loopback address `host` (any of 127.0.0.0/8).
pub async fn listener(host: &str) -> TcpListener {
    TcpListener::bind((host, 0)).await.expect("bind")
}

/// Runs the real binary with `env` layered over the defaults.
pub fn mana_auth(args: &[&str], env: &[(&str, &str)], stdin: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_mana-auth"))
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write");
    child.wait_with_output().expect("exits")
}

/// Undoes quoted-printable soft line breaks and `=3D`, enough to read links.
/// Decodes a quoted-printable mail (RFC 2045 §6.7): soft line breaks and `=XX` octets;
/// a mail of plain ASCII is sent as it is.
fn unfold_quoted_printable(mail: &str) -> String {
    if !mail.contains("Content-Transfer-Encoding: quoted-printable") {
        return mail.to_owned();
    }
    let unfolded = mail.replace("=\r\n", "");
    let mut bytes = Vec::with_capacity(unfolded.len());
    let mut rest = unfolded.as_bytes();
    while let Some((&first, tail)) = rest.split_first() {
        let octet = tail.get(..2).and_then(|hex| u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok());
        match (first, octet) {
            (b'=', Some(octet)) => {
                bytes.push(octet);
                rest = &tail[2..];
            }
            _ => {
                bytes.push(first);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn test_clients(backchannel: SocketAddr) -> Vec<ClientConfig> {
    let client = |id: &str, secret: Option<&str>| ClientConfig {
        id: id.into(),
        secret: secret.map(Secret::new),
        redirect_uris: vec![RP_REDIRECT.into()],
        post_logout_redirect_uris: vec![RP_LOGGED_OUT.into()],
        name: Some(format!("Test {id}")),
        skip_consent: true,
        grant_types: vec!["authorization_code".into(), "refresh_token".into()],
        backchannel_logout_uri: None,
        id_token_signed_response_alg: None,
        introspection: false,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        resources: None,
    };
    let mut rp = client("rp", Some(RP_SECRET));
    rp.backchannel_logout_uri = Some(format!("http://{backchannel}/backchannel"));
    let mut consenting = client("consenting", Some(RP_SECRET));
    consenting.skip_consent = false;
    let mut rsa = client("rsa", Some(RP_SECRET));
    rsa.id_token_signed_response_alg = Some(mana_auth::config::SigningAlg::RS256);
    let mut service = client("service", Some(SERVICE_SECRET));
    service.grant_types = vec!["client_credentials".into()];
    service.redirect_uris = vec![];
    service.introspection = true;
    vec![rp, client("spa", None), consenting, rsa, service]
}

#[derive(serde::Deserialize)]
struct LogoutForm {
    logout_token: String,
}

async fn spawn_logout_receiver() -> (SocketAddr, Arc<Mutex<Vec<String>>>) {
    let tokens = Arc::new(Mutex::new(Vec::new()));
    let sink = tokens.clone();
    let app = Router::new().route(
        "/backchannel",
        post(move |Form(form): Form<LogoutForm>| {
            let sink = sink.clone();
            async move { sink.lock().await.push(form.logout_token) }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind receiver");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (addr, tokens)
}

/// Signs `email` in through the hosted page for `client_id` and returns the code with its request.
pub async fn signed_in_code(
    app: &TestApp,
    client_id: &str,
    secret: Option<&str>,
    email: &str,
    scopes: &[&str],
) -> (rp::RelyingParty, rp::Request, String, browser::Browser) {
    let rp = rp::RelyingParty::discover(&app.base, client_id, secret).await;
    let browser = browser::Browser::new(&app.base);
    let request = rp.authorize(scopes);
    let callback = browser.authorize_and_sign_in(&request.url, email, PASSWORD).await;
    let code = browser::query_param(&callback, "code").unwrap_or_else(|| panic!("no code in {callback}"));
    (rp, request, code, browser)
}

/// POSTs a form to the token endpoint with HTTP Basic client authentication.
pub async fn token_request(app: &TestApp, client: (&str, &str), form: &[(&str, &str)]) -> reqwest::Response {
    client_request(app, "/token", client, form).await
}

/// POSTs a form to the revocation endpoint (RFC 7009) with HTTP Basic client authentication.
pub async fn revoke_request(app: &TestApp, client: (&str, &str), form: &[(&str, &str)]) -> reqwest::Response {
    client_request(app, "/revoke", client, form).await
}

async fn client_request(app: &TestApp, path: &str, client: (&str, &str), form: &[(&str, &str)]) -> reqwest::Response {
    reqwest::Client::new()
        .post(app.url(path))
        .basic_auth(client.0, Some(client.1))
        .form(form)
        .send()
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

/// The token request form that redeems `code` with its PKCE `verifier`.
pub fn code_exchange_form<'a>(code: &'a str, verifier: &'a str) -> [(&'static str, &'a str); 4] {
    [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", RP_REDIRECT), ("code_verifier", verifier)]
}

/// Introspects `token` as the `service` resource server (RFC 7662).
pub async fn introspect(app: &TestApp, token: &str) -> serde_json::Value {
    introspect_as(app, ("service", SERVICE_SECRET), token).await
}

/// Introspects `token` as `client` (RFC 7662), which is answered 200 whatever the token.
pub async fn introspect_as(app: &TestApp, client: (&str, &str), token: &str) -> serde_json::Value {
    let response = client_request(app, "/introspect", client, &[("token", token)]).await;
    assert_eq!(response.status(), 200);
    response.json().await.expect("json")
}

/// The value of `series` (a metric's name, with its labels when it has any) in a
/// Prometheus text page; `None` when the page does not hold it.
pub fn metric(page: &str, series: &str) -> Option<f64> {
    page.lines().find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

/// The claims of a JWT, read without checking it (the server did).
pub fn claims_of(token: &str) -> serde_json::Value {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let payload = token.split('.').nth(1).expect("a JWT");
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).expect("b64")).expect("json")
}
