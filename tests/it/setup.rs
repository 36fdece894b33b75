//! The first run: while no administrator exists, each start of `serve` prints a
//! one-time setup link in one WARN line; the link creates the first administrator,
//! once; without a token or with a wrong one there is no page, a used link answers
//! 410. `user add --admin` and `user grant-admin` make administrators from scripts.

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::mpsc,
    time::Duration,
};

use reqwest::StatusCode;
use sea_orm::EntityTrait;

use crate::{
    common::{
        Backend, PASSWORD,
        browser::{Browser, hidden_field},
        database::TestDatabase,
        mana_auth,
    },
    on_every_backend,
};

/// `serve` of the real binary, with its log lines as they come.
struct Server {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
}

impl Server {
    async fn start(url: &str) -> Server {
        let port = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("port").local_addr().expect("addr").port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_mana-auth"))
            .arg("serve")
            .env("MANA_AUTH__DATABASE__URL", url)
            .env("MANA_AUTH__SERVER__BIND", format!("127.0.0.1:{port}"))
            .env("MANA_AUTH__ISSUER", format!("http://127.0.0.1:{port}"))
            .env("MANA_AUTH__METRICS__BIND", "")
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("server starts");
        let (send, lines) = mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = send.send(line);
            }
        });
        Server { child, base: format!("http://127.0.0.1:{port}"), lines }
    }

    /// The lines logged until the server says it listens.
    fn until_listening(&self) -> Vec<String> {
        let mut seen = Vec::new();
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(30)) {
            let listening = line.contains("mana-auth listening");
            seen.push(line);
            if listening {
                return seen;
            }
        }
        panic!("the server did not start: {seen:?}");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The setup link of the lines, if one was printed, and in how many lines.
fn setup_link(lines: &[String]) -> (Option<String>, usize) {
    let printed: Vec<&String> = lines.iter().filter(|l| l.contains("/setup?token=")).collect();
    let link =
        printed.first().and_then(|l| l.split_whitespace().find(|w| w.contains("/setup?token="))).map(str::to_owned);
    (link, printed.len())
}

/// `/setup?token=…` of a link.
fn path_of(link: &str) -> String {
    link[link.find("/setup").expect("a setup link")..].to_owned()
}

async fn the_first_run_link_creates_the_first_administrator_once(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let env = [("MANA_AUTH__DATABASE__URL", database.url.as_str())];
    assert!(mana_auth(&["migrate"], &env, "").status.success());
    let first = Server::start(&database.url).await;
    let (stale, _) = setup_link(&first.until_listening());
    drop(first);
    let server = Server::start(&database.url).await;
    let lines = server.until_listening();
    let (link, count) = setup_link(&lines);
    let link = link.expect("a setup link");
    assert_eq!(count, 1, "one line: {lines:?}");
    assert!(lines.iter().any(|l| l.contains("WARN") && l.contains(&link)));
    let path = path_of(&link);

    let browser = Browser::new(&server.base);
    assert_eq!(browser.get("/setup").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(browser.get("/setup?token=wrong").await.status(), StatusCode::NOT_FOUND);
    let stale = path_of(&stale.expect("the first start's link"));
    assert_eq!(browser.get(&stale).await.status(), StatusCode::NOT_FOUND, "each start's link replaces the one before");
    let page = browser.get(&path).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.expect("page");
    let (csrf, token) = (hidden_field(&page, "csrf"), hidden_field(&page, "token"));
    let submit = |csrf: String, password: &'static str| {
        let (browser, token) = (&browser, &token);
        async move {
            let form =
                [("csrf", csrf.as_str()), ("token", token), ("email", "root@example.org"), ("password", password)];
            browser.post_form("/setup", &form).await
        }
    };
    assert_eq!(submit("forged".into(), PASSWORD).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(submit(csrf.clone(), "short").await.status(), StatusCode::BAD_REQUEST);
    let created = submit(csrf.clone(), PASSWORD).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let (home, _) = browser.follow(created).await;
    assert!(home.text().await.expect("home").contains("root@example.org"), "signed in as the administrator");

    assert_eq!(browser.get(&path).await.status(), StatusCode::GONE);
    assert_eq!(submit(csrf.clone(), PASSWORD).await.status(), StatusCode::GONE);
    let db = sea_orm::Database::connect(&database.url).await.expect("connect");
    let users = entity::users::Entity::find().all(&db).await.expect("users");
    assert_eq!(users.len(), 1, "one administrator");
    assert_eq!(users[0].role, "admin");
    let events = entity::security_events::Entity::find().all(&db).await.expect("events");
    assert!(
        events
            .iter()
            .any(|e| e.kind == "admin.granted" && e.details.as_deref().is_some_and(|d| d.contains("setup link")))
    );
    db.close().await.expect("close");
    drop(server);

    // With an administrator, a start prints no link.
    let again = Server::start(&database.url).await;
    assert_eq!(setup_link(&again.until_listening()).1, 0);
}
on_every_backend!(the_first_run_link_creates_the_first_administrator_once);

async fn scripts_make_administrators(backend: Backend) {
    let database = TestDatabase::create(backend).await;
    let env = [("MANA_AUTH__DATABASE__URL", database.url.as_str())];
    assert!(mana_auth(&["migrate"], &env, "").status.success());
    let added =
        mana_auth(&["user", "add", "--email", "ops@example.org", "--password-stdin", "--admin"], &env, PASSWORD);
    assert!(String::from_utf8_lossy(&added.stdout).contains("created administrator"), "{added:?}");
    let plain = mana_auth(&["user", "add", "--email", "ada@example.org", "--password-stdin"], &env, PASSWORD);
    assert!(plain.status.success());
    assert!(mana_auth(&["user", "grant-admin", "--email", "ada@example.org"], &env, "").status.success());
    assert!(!mana_auth(&["user", "grant-admin", "--email", "nobody@example.org"], &env, "").status.success());
    let db = sea_orm::Database::connect(&database.url).await.expect("connect");
    let users = entity::users::Entity::find().all(&db).await.expect("users");
    assert!(users.iter().all(|u| u.role == "admin"), "{users:?}");
    db.close().await.expect("close");
}
on_every_backend!(scripts_make_administrators);
