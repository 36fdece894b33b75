//! Alerts that reach a person: an event is written to the outbox once and delivered to
//! every `[[notify.targets]]` once, by one of the replicas, retried while a target
//! fails: a webhook served by the test, and a mail in the outbox folder.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{Json, Router, http::StatusCode, routing::post};
use mana_auth::config::{Config, NotifyTarget, Secret};
use serde_json::{Value, json};
use tokio::{net::TcpListener, sync::Mutex};

use crate::{
    common::{
        Backend, TestApp,
        api::{Api, text},
        proxy::Link,
    },
    on_every_backend,
};

/// A webhook that records every body and fails the first `failures` requests with 500.
async fn webhook(failures: usize) -> (String, Arc<Mutex<Vec<(u16, Value)>>>) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let sink = seen.clone();
    let app = Router::new().route(
        "/hook",
        post(move |Json(body): Json<Value>| {
            let (sink, count) = (sink.clone(), count.clone());
            async move {
                let status = if count.fetch_add(1, Ordering::SeqCst) < failures {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::OK
                };
                sink.lock().await.push((status.as_u16(), body));
                status
            }
        }),
    );
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), seen)
}

fn targets(url: &str) -> impl Fn(&mut Config) {
    let url = url.to_owned();
    move |config: &mut Config| {
        config.notify.targets =
            vec![NotifyTarget::Webhook { url: url.clone() }, NotifyTarget::Email { to: "ops@example.org".into() }];
    }
}

/// Waits up to `secs` seconds until the webhook has seen `n` requests.
async fn until_seen(seen: &Mutex<Vec<(u16, Value)>>, n: usize, secs: u64) {
    for _ in 0..secs * 10 {
        if seen.lock().await.len() >= n {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

fn alert_mails(app: &TestApp, event: &str) -> usize {
    app.mails().iter().filter(|m| m.contains(&format!("Subject: mana-auth: {event}"))).count()
}

/// A counter's value; a labelled counter never incremented is not on the page: 0.
fn counted(page: &str, series: &str) -> f64 {
    crate::common::metric(page, series).unwrap_or(0.0)
}

async fn an_alert_reaches_every_target_once_from_two_replicas(backend: Backend) {
    let (url, seen) = webhook(1).await;
    let first = TestApp::spawn_with(backend, targets(&url)).await;
    let second = first.spawn_beside(targets(&url)).await;

    mana_auth::keys::rotation::emergency(&first.db, first.state.keys.vault(), &first.state.config.notify)
        .await
        .expect("emergency rotation");
    until_seen(&seen, 2, 10).await;
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;

    let seen = seen.lock().await.clone();
    let statuses: Vec<u16> = seen.iter().map(|(status, _)| *status).collect();
    assert_eq!(statuses, [500, 200], "refused once, retried, then delivered once");
    for (_, body) in &seen {
        let text = body["text"].as_str().expect("Slack-compatible {\"text\": …}");
        assert!(text.contains("emergency key rotation"), "{text}");
    }
    let mails = alert_mails(&first, "keys.emergency_rotation") + alert_mails(&second, "keys.emergency_rotation");
    assert_eq!(mails, 1, "one mail between the two replicas");
    let (a, b) = (first.metrics().await, second.metrics().await);
    let sent = counted(&a, "mana_auth_notifications_total{result=\"sent\"}")
        + counted(&b, "mana_auth_notifications_total{result=\"sent\"}");
    let retried = counted(&a, "mana_auth_notifications_total{result=\"retried\"}")
        + counted(&b, "mana_auth_notifications_total{result=\"retried\"}");
    assert_eq!((sent, retried), (2.0, 1.0));
}
on_every_backend!(an_alert_reaches_every_target_once_from_two_replicas);

/// Every scheduled backup of two replicas fails: each failure is an alert, and once the
/// newest backup is older than two periods, one alert says so between the replicas.
async fn failed_scheduled_backups_raise_alerts_and_one_stale_alert(backend: Backend) {
    let (url, seen) = webhook(0).await;
    let blocker = std::env::temp_dir().join(format!("mana-auth-blocker-{}", mana_auth::security::opaque::new_id()));
    std::fs::write(&blocker, "a file where the backup folder should be").expect("write");
    let unwritable = blocker.join("backups").display().to_string();
    let with_targets = targets(&url);
    let failing = move |c: &mut Config| {
        with_targets(c);
        c.backup.key = Some(Secret::new("a backup key of at least thirty-two characters"));
        c.backup.dir = unwritable.clone();
        c.backup.schedule = "* * * * * *".into();
    };
    let first = TestApp::spawn_with(backend, &failing).await;
    let second = first.spawn_beside(&failing).await;
    let stale = |seen: &[(u16, Value)]| {
        let texts = seen.iter().filter_map(|(_, body)| body["text"].as_str());
        texts.filter(|text| text.contains("no scheduled backup has been written since")).count()
    };
    for _ in 0..100 {
        if stale(&seen.lock().await) > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let seen = seen.lock().await.clone();
    let failed = seen
        .iter()
        .filter(|(_, body)| body["text"].as_str().is_some_and(|t| t.contains("the scheduled backup failed")));
    assert!(failed.count() >= 3, "one alert per failed run: {seen:?}");
    assert_eq!(stale(&seen), 1, "one stale alert between the replicas: {seen:?}");
    drop((first, second));
    let _ = std::fs::remove_file(blocker);
}
on_every_backend!(failed_scheduled_backups_raise_alerts_and_one_stale_alert);

async fn a_burst_of_refresh_token_reuse_raises_one_alert(backend: Backend) {
    // Far from the edge of a ten-minute window, so the burst falls in one.
    let into_window = mana_auth::store::now() % 600;
    if into_window > 570 {
        tokio::time::sleep(std::time::Duration::from_secs((600 - into_window + 1) as u64)).await;
    }
    let (url, seen) = webhook(0).await;
    let with_targets = targets(&url);
    let app = TestApp::spawn_with(backend, |c| {
        with_targets(c);
        c.tokens.refresh_retry_secs = 0;
    })
    .await;
    let api = Api::new(&app.base);
    app.user("reuse@example.org").await;
    for round in 0..6 {
        let old = json!({ "refreshToken": text(&api.login("reuse@example.org", None).await, "refreshToken") });
        assert_eq!(api.post("/api/v1/auth/refresh", None, &old).await.0, 200, "round {round}");
        assert_eq!(api.post("/api/v1/auth/refresh", None, &old).await.0, 401, "round {round}: a reuse");
    }
    until_seen(&seen, 1, 10).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let seen = seen.lock().await.clone();
    assert_eq!(seen.len(), 1, "one alert for the burst: {seen:?}");
    assert!(
        seen[0].1["text"]
            .as_str()
            .is_some_and(|t| t.contains("refresh tokens came back within ten minutes and their families are revoked")),
        "{seen:?}"
    );
}
on_every_backend!(a_burst_of_refresh_token_reuse_raises_one_alert);

/// The database unreachable for longer than `notify.db_down_secs`: the server sends its
/// alert straight to the targets, once, and says so again through the outbox when the
/// database is back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(test_postgres), ignore = "needs MANA_AUTH_TEST_POSTGRES_URL: see the README")]
async fn a_database_outage_is_told_once_and_its_end_too() {
    let (url, seen) = webhook(0).await;
    let with_targets = targets(&url);
    let (app, proxy) = crate::common::proxy::app_behind_proxy(|c| {
        with_targets(c);
        c.notify.db_down_secs = 2;
    })
    .await;
    let texts = |seen: &[(u16, Value)], part: &str| {
        let texts = seen.iter().filter_map(|(_, body)| body["text"].as_str());
        texts.filter(|text| text.contains(part)).count()
    };

    proxy.send_replace(Link::Refusing);
    until_seen(&seen, 1, 20).await;
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let during = seen.lock().await.clone();
    assert_eq!(texts(&during, "has not reached the database for"), 1, "one alert per outage: {during:?}");
    assert_eq!(during.len(), 1, "{during:?}");
    assert_eq!(alert_mails(&app, "database.unreachable"), 1);

    proxy.send_replace(Link::Up);
    until_seen(&seen, 2, 30).await;
    let after = seen.lock().await.clone();
    assert_eq!(texts(&after, "reaches the database again"), 1, "{after:?}");
    for _ in 0..50 {
        if alert_mails(&app, "database.reachable") > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(alert_mails(&app, "database.reachable"), 1);
}
