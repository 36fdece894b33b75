//! The credits ledger as a protected resource: balances, spending, idempotency and
//! the ledger check.

use futures_util::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, RP_SECRET, TestApp,
        api::{Api, text},
    },
    on_every_backend,
};

async fn spend(api: &Api, token: &str, body: Value) -> (StatusCode, Value) {
    api.post("/api/v1/credits/use", Some(token), &body).await
}

fn use_body(amount: i64) -> Value {
    json!({"amount": amount, "appId": "chat", "description": "a message"})
}

pub(crate) async fn balance(api: &Api, token: &str) -> Value {
    let (status, body) = api.get("/api/v1/credits/balance", token).await;
    assert_eq!(status, 200, "{body}");
    body
}

pub(crate) async fn ledger_problems(app: &TestApp) -> Vec<String> {
    mana_auth::store::ledger::check(&app.db).await.expect("check runs")
}

async fn signup_bonus_and_daily_credits_start_the_balance(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("bonus@example.org").await, "accessToken");
    let first = balance(&api, &token).await;
    assert_eq!(
        first,
        json!({"balance": 155, "freeCreditsRemaining": 155, "paidCredits": 0, "totalEarned": 155, "totalSpent": 0})
    );
    assert_eq!(balance(&api, &token).await["balance"], 155, "the daily credits come once a day");
    let concurrent = join_all((0..5).map(|_| api.get("/api/v1/credits/balance", &token))).await;
    assert!(concurrent.iter().all(|(_, b)| b["balance"] == 155));

    let (_, b2b) = api
        .post(
            "/api/v1/auth/register/b2b",
            None,
            &json!({"organizationName": "Org", "ownerEmail": "owner@example.org", "ownerPassword": crate::common::PASSWORD}),
        )
        .await;
    assert!(b2b["user"]["id"].is_string());
    let owner = text(&api.login("owner@example.org", None).await, "accessToken");
    assert_eq!(balance(&api, &owner).await["balance"], 155, "B2B owners get the bonus too");
    assert!(ledger_problems(&app).await.is_empty());
}
on_every_backend!(signup_bonus_and_daily_credits_start_the_balance);

async fn spending_takes_free_credits_first_and_never_goes_negative(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("spend@example.org").await, "accessToken");
    mana_auth::admin::credits::grant(&app.db, "spend@example.org", 100, "goodwill", None).await.expect("grant");
    let (status, tx) = spend(&api, &token, use_body(10)).await;
    assert_eq!(status, 200, "{tx}");
    assert_eq!(
        (tx["amount"].as_i64(), tx["fromFree"].as_i64(), tx["fromPaid"].as_i64()),
        (Some(10), Some(10), Some(0))
    );
    assert_eq!(tx["balanceAfter"], 245);
    let (status, tx) = spend(&api, &token, use_body(200)).await;
    assert_eq!(status, 200);
    assert_eq!(
        (tx["fromFree"].as_i64(), tx["fromPaid"].as_i64(), tx["balanceAfter"].as_i64()),
        (Some(145), Some(55), Some(45))
    );

    let (status, refused) = spend(&api, &token, use_body(46)).await;
    assert_eq!(status, 402);
    assert_eq!((refused["error"].as_str(), refused["balance"].as_i64()), (Some("insufficient_credits"), Some(45)));
    for bad in [json!(0), json!(-5), json!(1.5), json!(10_000_001), json!("10")] {
        let (status, body) = spend(&api, &token, json!({"amount": bad, "appId": "chat", "description": "x"})).await;
        assert_eq!(status, 400, "{bad}: {body}");
        assert_eq!(body["error"], "invalid_request");
    }
    assert_eq!(spend(&api, &token, json!({"amount": 1, "appId": "", "description": "x"})).await.0, 400);
    let summary = balance(&api, &token).await;
    assert_eq!(
        (summary["balance"].as_i64(), summary["totalSpent"].as_i64(), summary["totalEarned"].as_i64()),
        (Some(45), Some(210), Some(255))
    );

    let (status, history) = api.get("/api/v1/credits/transactions?limit=10", &token).await;
    assert_eq!(status, 200);
    let kinds: Vec<&str> = history.as_array().expect("list").iter().map(|t| t["type"].as_str().unwrap_or("")).collect();
    assert_eq!(kinds.len(), 5);
    assert!(kinds.contains(&"signup_bonus") && kinds.contains(&"adjustment") && kinds.contains(&"daily_free"));
    assert_eq!(api.get("/api/v1/credits/transactions?limit=1", &token).await.1.as_array().map(Vec::len), Some(1));
    assert_eq!(api.get("/api/v1/credits/transactions?limit=101", &token).await.0, 400);
    assert!(ledger_problems(&app).await.is_empty());
}
on_every_backend!(spending_takes_free_credits_first_and_never_goes_negative);

async fn concurrent_spends_never_overdraw(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("race@example.org").await, "accessToken");
    assert_eq!(balance(&api, &token).await["balance"], 155);
    let results = join_all((0..50).map(|_| spend(&api, &token, use_body(10)))).await;
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let refused = results.iter().filter(|(s, b)| *s == 402 && b["error"] == "insufficient_credits").count();
    assert_eq!((ok, refused), (15, 35), "{:?}", results.iter().map(|(s, _)| s.as_u16()).collect::<Vec<_>>());
    assert_eq!(balance(&api, &token).await["balance"], 5);
    assert!(ledger_problems(&app).await.is_empty(), "the ledger balances");
}
on_every_backend!(concurrent_spends_never_overdraw);

async fn idempotency_keys_debit_once(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("idem@example.org").await, "accessToken");
    let body =
        json!({"amount": 10, "appId": "chat", "description": "one", "idempotencyKey": "k1", "metadata": {"m": 1}});
    let first = spend(&api, &token, body.clone()).await;
    let retry = spend(&api, &token, body.clone()).await;
    assert_eq!(first.0, 200);
    assert_eq!(first, retry, "a retry gets the original answer");
    let mut other = body.clone();
    other["amount"] = json!(11);
    let (status, reused) = spend(&api, &token, other).await;
    assert_eq!((status.as_u16(), reused["error"].as_str()), (409, Some("idempotency_key_reused")));
    assert_eq!(balance(&api, &token).await["balance"], 145);

    let concurrent = json!({"amount": 10, "appId": "chat", "description": "two", "idempotencyKey": "k2"});
    let answers = join_all((0..10).map(|_| spend(&api, &token, concurrent.clone()))).await;
    assert!(answers.iter().all(|a| a.0 == 200 && a.1["id"] == answers[0].1["id"]), "{answers:?}");
    assert_eq!(balance(&api, &token).await["balance"], 135, "ten concurrent requests, one debit");

    // Sent together, so on SQLite they may share a commit: the refused reuse undoes only itself.
    let keyed = |amount: i64| json!({"amount": amount, "appId": "chat", "description": "k4", "idempotencyKey": "k4"});
    let (five, six, unkeyed) =
        tokio::join!(spend(&api, &token, keyed(5)), spend(&api, &token, keyed(6)), spend(&api, &token, use_body(1)));
    let taken = match (five.0.as_u16(), six.0.as_u16()) {
        (200, 409) => 5,
        (409, 200) => 6,
        other => panic!("one of the two takes the key: {other:?}"),
    };
    assert_eq!(unkeyed.0, 200);
    assert_eq!(balance(&api, &token).await["balance"], 135 - taken - 1);
    let replayed = spend(&api, &token, keyed(taken)).await;
    assert_eq!(replayed, if taken == 5 { five } else { six }, "the key keeps the answer of the one that took it");

    let broke = json!({"amount": 1000, "appId": "chat", "description": "big", "idempotencyKey": "k3"});
    let refused = spend(&api, &token, broke.clone()).await;
    assert_eq!(refused.0, 402);
    assert_eq!(spend(&api, &token, broke).await, refused, "a refusal is replayed too");
    assert!(ledger_problems(&app).await.is_empty(), "the ledger balances");
}
on_every_backend!(idempotency_keys_debit_once);

async fn tokens_without_the_credits_scope_are_refused(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    app.user("scope@example.org").await;
    let (rp, request, code, _) =
        crate::common::signed_in_code(&app, "rp", Some(RP_SECRET), "scope@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let plain = openidconnect::OAuth2TokenResponse::access_token(&tokens).secret().clone();
    let api = Api::new(&app.base);
    let (status, body) = api.get("/api/v1/credits/balance", &plain).await;
    assert_eq!((status.as_u16(), body["error"].as_str()), (403, Some("insufficient_scope")));
    assert_eq!(api.get("/api/v1/credits/balance", "garbage").await.0, 401);

    let (rp, request, code, _) =
        crate::common::signed_in_code(&app, "rp", Some(RP_SECRET), "scope@example.org", &["openid", "credits"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let scoped = openidconnect::OAuth2TokenResponse::access_token(&tokens).secret().clone();
    let (status, body) = api.get("/api/v1/credits/balance", &scoped).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["balance"], 155, "users created by the operator command get the bonus too");
}
on_every_backend!(tokens_without_the_credits_scope_are_refused);

async fn the_ledger_check_finds_a_tampered_balance(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let user = api.signed_up("tamper@example.org").await;
    assert!(ledger_problems(&app).await.is_empty());
    let id = format!("{}:free", text(&user["user"], "id"));
    app.db
        .execute_unprepared(&format!("UPDATE credit_accounts SET balance = balance + 1000 WHERE id = '{id}'"))
        .await
        .expect("tamper");
    let problems = ledger_problems(&app).await;
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains(&id));
    let unknown = api.call(Method::GET, "/api/v1/credits/balance", None, None).await;
    assert_eq!(unknown.0, 401);
}
on_every_backend!(the_ledger_check_finds_a_tampered_balance);
