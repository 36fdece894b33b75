//! Through a real PgBouncer in transaction pooling, as `deploy/compose.yaml` runs it
//! (`pool_mode = transaction` with `max_prepared_statements`, which the protocol-level
//! prepared statements of the driver need), with fewer server connections than the two
//! apps' pools, so statements and transactions move between server connections: sign-ups,
//! sign-ins, refreshes, credit spends and job claims from two servers at once (one of
//! them keeping no prepared statements), without an error.
//! `MANA_AUTH_TEST_PGBOUNCER_URL` names the bouncer, in front of the server of
//! `MANA_AUTH_TEST_POSTGRES_URL`.

use futures_util::future::join_all;
use mana_auth::config::{Config, Secret};
use serde_json::json;

use crate::common::{
    Backend, PASSWORD, TestApp,
    api::{Api, text},
    database::TestDatabase,
};

/// The URL of `database` through the bouncer.
fn bounced(database: &str) -> String {
    let bouncer = url::Url::parse(&std::env::var("MANA_AUTH_TEST_PGBOUNCER_URL").expect("bouncer")).expect("url");
    let mut url = url::Url::parse(database).expect("url");
    url.set_host(bouncer.host_str()).expect("host");
    url.set_port(bouncer.port()).expect("port");
    url.to_string()
}

/// Signs up, signs in, refreshes and spends, returning each answer that was not a success.
async fn one_user(api: Api, n: usize) -> Vec<String> {
    let email = format!("bounced{n}@example.org");
    let mut failures = Vec::new();
    let (status, body) = api.post("/api/v1/auth/register", None, &json!({"email": email, "password": PASSWORD})).await;
    if status != 201 {
        return vec![format!("register {status}: {body}")];
    }
    let (status, tokens) = api.post("/api/v1/auth/login", None, &json!({"email": email, "password": PASSWORD})).await;
    if status != 200 {
        return vec![format!("login {status}: {tokens}")];
    }
    let (status, body) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    if status != 200 {
        failures.push(format!("refresh {status}: {body}"));
    }
    let access = text(&tokens, "accessToken");
    for _ in 0..3 {
        let spend = json!({"amount": 1, "appId": "bouncer", "description": "through the bouncer"});
        let (status, body) = api.post("/api/v1/credits/use", Some(&access), &spend).await;
        if status != 200 {
            failures.push(format!("credits/use {status}: {body}"));
        }
    }
    let (status, body) = api.get("/api/v1/credits/balance", &access).await;
    if status != 200 {
        failures.push(format!("balance {status}: {body}"));
    }
    failures
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(all(test_postgres, test_pgbouncer)), ignore = "needs MANA_AUTH_TEST_PGBOUNCER_URL: see .ci/run")]
async fn two_servers_work_through_a_transaction_pooling_pgbouncer() {
    let database = TestDatabase::create(Backend::postgres()).await;
    let through = bounced(&database.url);
    let via_bouncer = move |c: &mut Config| {
        c.database.url = Secret::new(through.clone());
        // Every user of the test comes from one address.
        c.security.rate_limit.register_per_ip = 0;
        c.security.rate_limit.signin_per_ip = 0;
    };
    let first = TestApp::spawn_on_prepared(database, &via_bouncer).await;
    // The second prepares nothing it keeps, as with a PgBouncer before 1.21.
    let second = first
        .spawn_beside(|c: &mut Config| {
            via_bouncer(c);
            c.database.statement_cache = 0;
        })
        .await;

    let users = (0..24).map(|n| one_user(Api::new(if n % 2 == 0 { &first.base } else { &second.base }), n));
    let failures: Vec<String> = join_all(users).await.into_iter().flatten().collect();
    assert!(failures.is_empty(), "{failures:#?}");

    let claims = (0..8).map(|n| {
        let db = if n % 2 == 0 { first.db.clone() } else { second.db.clone() };
        async move { mana_auth::store::job_runs::claim(&db, "bouncer", 1).await.expect("claim") }
    });
    let won = join_all(claims).await.into_iter().filter(|won| *won).count();
    assert_eq!(won, 1, "one claim of a tick between the servers");
    assert!(mana_auth::store::ledger::check(&first.db).await.expect("ledger").is_empty(), "the ledger balances");
}
