//! Buying credits end to end: a purchase opens a Stripe Checkout Session through
//! Stripe's API (here a server inside the test that speaks the slice of it used and
//! keeps what it was sent), the signed webhook completes it exactly once, and a Stripe
//! error or silence fails it with nothing credited.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use axum::{
    Form, Json, Router,
    extract::State,
    http::{HeaderMap, StatusCode as AxumStatus},
    response::{IntoResponse, Response},
    routing::post,
};
use hmac::{Hmac, Mac};
use mana_auth::config::{Config, Secret};
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::Mutex;

use crate::{
    common::{
        Backend, TestApp,
        api::{Api, text},
    },
    credits::{balance, ledger_problems},
    on_every_backend,
};

const WEBHOOK_SECRET: &str = "whsec_test_secret";
const STRIPE_KEY: &str = "sk_test_0123456789";
const SUCCESS: &str = "https://app.example.org/credits/thanks";
const CANCEL: &str = "https://app.example.org/credits";

/// How the fake Stripe answers.
#[derive(Clone, Copy)]
enum Answer {
    Session,
    CardDeclined,
    Silence,
}

/// One request Stripe received: its headers of interest and its form fields.
#[derive(Clone, Debug)]
struct Received {
    authorization: String,
    idempotency_key: String,
    form: Vec<(String, String)>,
}

impl Received {
    fn field(&self, name: &str) -> &str {
        self.form.iter().find(|(k, _)| k == name).map_or("", |(_, v)| v.as_str())
    }
}

#[derive(Clone)]
struct FakeStripe {
    answer: Arc<Mutex<Answer>>,
    received: Arc<Mutex<Vec<Received>>>,
}

async fn checkout_sessions(
    State(stripe): State<FakeStripe>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    let received =
        Received { authorization: header("authorization"), idempotency_key: header("idempotency-key"), form };
    let id = format!("cs_test_{}", received.field("client_reference_id"));
    stripe.received.lock().await.push(received);
    match *stripe.answer.lock().await {
        Answer::Session => Json(
            json!({"id": id, "object": "checkout.session", "url": format!("https://checkout.stripe.test/c/pay/{id}")}),
        )
        .into_response(),
        Answer::CardDeclined => (
            AxumStatus::BAD_REQUEST,
            Json(json!({"error": {"type": "invalid_request_error", "message": "Invalid currency: xyz"}})),
        )
            .into_response(),
        Answer::Silence => {
            tokio::time::sleep(Duration::from_secs(12)).await;
            AxumStatus::GATEWAY_TIMEOUT.into_response()
        }
    }
}

async fn spawn_stripe() -> (SocketAddr, FakeStripe) {
    let stripe = FakeStripe { answer: Arc::new(Mutex::new(Answer::Session)), received: Arc::default() };
    let app = Router::new().route("/v1/checkout/sessions", post(checkout_sessions)).with_state(stripe.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fake stripe") });
    (addr, stripe)
}

/// The app with Stripe configured at the fake.
async fn with_stripe(backend: Backend) -> (TestApp, FakeStripe) {
    let (addr, stripe) = spawn_stripe().await;
    let app = TestApp::spawn_with(backend, |c: &mut Config| {
        c.credits.stripe_webhook_secret = Some(Secret::new(WEBHOOK_SECRET));
        c.credits.stripe_secret_key = Some(Secret::new(STRIPE_KEY));
        c.credits.stripe_api_base = format!("http://{addr}");
    })
    .await;
    (app, stripe)
}

async fn buy(api: &Api, token: &str, package: &str) -> (StatusCode, Value) {
    let body = json!({"packageId": package, "successUrl": SUCCESS, "cancelUrl": CANCEL});
    api.post("/api/v1/credits/purchases", Some(token), &body).await
}

fn stripe_signature(secret: &str, timestamp: i64, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(format!("{timestamp}.{payload}").as_bytes());
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    format!("t={timestamp},v1={hex}")
}

async fn deliver(app: &TestApp, payload: &str, signature: &str) -> StatusCode {
    reqwest::Client::new()
        .post(app.url("/api/v1/credits/webhooks/stripe"))
        .header("stripe-signature", signature)
        .header("content-type", "application/json")
        .body(payload.to_owned())
        .send()
        .await
        .expect("post")
        .status()
}

/// Stripe's event for a paid Checkout Session of `purchase_id`.
fn completed(event_id: &str, purchase_id: &str, amount: i64) -> String {
    json!({"id": event_id, "type": "checkout.session.completed", "data": {"object": {
        "client_reference_id": purchase_id, "amount_total": amount, "currency": "eur", "payment_status": "paid"}}})
    .to_string()
}

async fn purchases(api: &Api, token: &str) -> Vec<Value> {
    let (status, list) = api.get("/api/v1/credits/purchases", token).await;
    assert_eq!(status, 200);
    list.as_array().expect("list").clone()
}

async fn a_purchase_is_paid_on_stripe_and_credited_exactly_once(backend: Backend) {
    let (app, stripe) = with_stripe(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("buyer@example.org").await, "accessToken");
    let (_, packages) = api.get("/api/v1/credits/packages", &token).await;
    let cents_per_credit: Vec<bool> = packages
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| p["credits"].as_i64() == p["priceCents"].as_i64())
        .collect();
    assert_eq!(cents_per_credit, [true, true, true], "one cent per credit: {packages}");

    let (status, purchase) = buy(&api, &token, "small").await;
    assert_eq!(status, 201, "{purchase}");
    assert_eq!(purchase["status"], "pending");
    let purchase_id = text(&purchase, "purchaseId");
    assert_eq!(text(&purchase, "checkoutUrl"), format!("https://checkout.stripe.test/c/pay/cs_test_{purchase_id}"));

    // What Stripe was sent: the package's price, the purchase, the buyer, the way back.
    let sent = stripe.received.lock().await.clone();
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert_eq!(sent.authorization, format!("Bearer {STRIPE_KEY}"));
    assert_eq!(sent.idempotency_key, purchase_id);
    for (field, value) in [
        ("mode", "payment"),
        ("line_items[0][quantity]", "1"),
        ("line_items[0][price_data][currency]", "eur"),
        ("line_items[0][price_data][unit_amount]", "500"),
        ("line_items[0][price_data][product_data][name]", "Small (500 credits)"),
        ("client_reference_id", purchase_id.as_str()),
        ("metadata[purchase_id]", purchase_id.as_str()),
        ("customer_email", "buyer@example.org"),
        ("success_url", SUCCESS),
        ("cancel_url", CANCEL),
    ] {
        assert_eq!(sent.field(field), value, "{field}");
    }

    // The webhook: forged, stale and malformed events change nothing.
    let payload = completed("evt_1", &purchase_id, 500);
    let now = mana_auth::store::now();
    assert_eq!(deliver(&app, &payload, &stripe_signature("whsec_wrong", now, &payload)).await, 400, "forged");
    assert_eq!(deliver(&app, &payload, &stripe_signature(WEBHOOK_SECRET, now - 301, &payload)).await, 400, "stale");
    assert_eq!(deliver(&app, &payload, "t=1,v1=00").await, 400);
    let underpaid = completed("evt_0", &purchase_id, 499);
    assert_eq!(deliver(&app, &underpaid, &stripe_signature(WEBHOOK_SECRET, now, &underpaid)).await, 200);
    assert_eq!(balance(&api, &token).await["paidCredits"], 0, "refused events change nothing");

    assert_eq!(deliver(&app, &payload, &stripe_signature(WEBHOOK_SECRET, now, &payload)).await, 200);
    assert_eq!(balance(&api, &token).await["paidCredits"], 500);
    let replay = deliver(&app, &payload, &stripe_signature(WEBHOOK_SECRET, now, &payload)).await;
    assert_eq!(replay, 200, "a replay is acknowledged");
    let second = completed("evt_2", &purchase_id, 500);
    assert_eq!(deliver(&app, &second, &stripe_signature(WEBHOOK_SECRET, now, &second)).await, 200);
    assert_eq!(balance(&api, &token).await["paidCredits"], 500, "credited exactly once");
    assert_eq!(purchases(&api, &token).await[0]["status"], "completed");
    assert!(ledger_problems(&app).await.is_empty());
}
on_every_backend!(a_purchase_is_paid_on_stripe_and_credited_exactly_once);

async fn a_stripe_error_or_silence_fails_the_purchase(backend: Backend) {
    let (app, stripe) = with_stripe(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("declined@example.org").await, "accessToken");

    *stripe.answer.lock().await = Answer::CardDeclined;
    let (status, body) = buy(&api, &token, "medium").await;
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"], "payment_provider_error");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("Invalid currency")), "{body}");

    *stripe.answer.lock().await = Answer::Silence;
    let (status, body) = buy(&api, &token, "large").await;
    assert_eq!(status, 502, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| m.contains("no answer in time")), "{body}");

    let listed = purchases(&api, &token).await;
    let statuses: Vec<&str> = listed.iter().filter_map(|p| p["status"].as_str()).collect();
    assert_eq!(statuses, ["failed", "failed"]);
    assert_eq!(balance(&api, &token).await["paidCredits"], 0);
    assert!(ledger_problems(&app).await.is_empty());

    // Stripe's answer was lost but the buyer paid after all: the payment still counts, once.
    let lost = listed.iter().find(|p| p["packageId"] == "large").expect("the silent one");
    let payload = completed("evt_late", lost["id"].as_str().expect("id"), 2500);
    let now = mana_auth::store::now();
    assert_eq!(deliver(&app, &payload, &stripe_signature(WEBHOOK_SECRET, now, &payload)).await, 200);
    assert_eq!(balance(&api, &token).await["paidCredits"], 2500);
}
on_every_backend!(a_stripe_error_or_silence_fails_the_purchase);

async fn purchases_need_a_stripe_key_and_valid_input(backend: Backend) {
    let app = TestApp::spawn(backend.clone()).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("early@example.org").await, "accessToken");
    let (status, body) = buy(&api, &token, "small").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "purchases_not_configured");
    assert!(purchases(&api, &token).await.is_empty(), "nothing was recorded");

    let (app, stripe) = with_stripe(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("careless@example.org").await, "accessToken");
    assert_eq!(buy(&api, &token, "nope").await.0, 404);
    for (success, cancel) in [("javascript:alert(1)", CANCEL), (SUCCESS, "/relative"), ("", CANCEL)] {
        let body = json!({"packageId": "small", "successUrl": success, "cancelUrl": cancel});
        let (status, _) = api.post("/api/v1/credits/purchases", Some(&token), &body).await;
        assert_eq!(status, 400, "{success} {cancel}");
    }
    let (status, _) = api.post("/api/v1/credits/purchases", Some(&token), &json!({"packageId": "small"})).await;
    assert_eq!(status, 400, "the way back is required");
    assert!(stripe.received.lock().await.is_empty(), "Stripe was never asked");
    assert!(purchases(&api, &token).await.is_empty());
}
on_every_backend!(purchases_need_a_stripe_key_and_valid_input);
