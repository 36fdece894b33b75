//! Native API: registration, sign-in, refresh, sign-out and validation, good and bad inputs.

use mana_auth::config::SigningAlg;
use openidconnect::OAuth2TokenResponse;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, RP_SECRET, TestApp,
        api::{Api, text},
        claims_of, signed_in_code,
    },
    on_every_backend,
};

fn assert_error_shape(status: StatusCode, body: &Value, expected: u16, code: &str) {
    assert_eq!(status.as_u16(), expected, "{body}");
    assert_eq!(body["error"], code, "{body}");
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

async fn login_tokens_verify_against_the_jwks_alone(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let (status, user) = api
        .post(
            "/api/v1/auth/register",
            None,
            &json!({"email": " Ada@Example.org ", "password": PASSWORD, "name": "Ada"}),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(user["email"], "ada@example.org");
    assert_eq!(user["emailVerified"], false);
    assert!(user["id"].is_string() && user["createdAt"].as_str().is_some_and(|t| t.ends_with('Z')));

    let tokens = api.login("ada@example.org", Some("laptop")).await;
    assert_eq!(tokens["tokenType"], "Bearer");
    assert_eq!(tokens["expiresIn"], 900);
    assert_eq!(tokens["user"]["id"], user["id"]);
    let access = text(&tokens, "accessToken");
    // An independent resource server: the JWT library and the fetched key set, nothing else.
    let claims = crate::oidc_flow::verify_with_jwks(&app, &access).await;
    assert_eq!(claims["sub"], user["id"]);
    assert_eq!(claims["client_id"], "mana-api");
    assert!(claims["sid"].is_string() && claims.get("organizations").is_none());

    let api_jwks: Value = reqwest::get(app.url("/api/v1/auth/jwks")).await.expect("get").json().await.expect("json");
    let well_known: Value =
        reqwest::get(app.url("/.well-known/jwks.json")).await.expect("get").json().await.expect("json");
    assert_eq!(api_jwks, well_known);

    let (status, me) = api.get("/api/v1/auth/me", &access).await;
    assert_eq!(status, 200);
    assert_eq!(me["name"], "Ada");
    let valid = api.validate(&access).await;
    assert_eq!(valid["valid"], true);
    assert_eq!(valid["payload"]["sub"], user["id"]);
}
on_every_backend!(login_tokens_verify_against_the_jwks_alone);

async fn bad_registrations_are_refused_and_write_nothing(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let http = reqwest::Client::new();
    let url = app.url("/api/v1/auth/register");
    let raw = |body: String, content_type: &'static str| {
        let http = http.clone();
        let url = url.clone();
        async move {
            let response = http.post(url).header("content-type", content_type).body(body).send().await.expect("post");
            let status = response.status();
            (status, response.json::<Value>().await.expect("json error"))
        }
    };
    let (status, body) = raw("{\"email\": \"x@example.org\", ".into(), "application/json").await;
    assert_error_shape(status, &body, 400, "invalid_request");
    let (status, body) = raw(json!({"email": "x@example.org"}).to_string(), "application/json").await;
    assert_error_shape(status, &body, 400, "invalid_request");
    let (status, body) = raw(json!({"email": 7, "password": PASSWORD}).to_string(), "application/json").await;
    assert_error_shape(status, &body, 400, "invalid_request");
    let big = json!({"email": "x@example.org", "password": PASSWORD, "name": "n".repeat(100_000)}).to_string();
    let (status, body) = raw(big, "application/json").await;
    assert_error_shape(status, &body, 413, "payload_too_large");
    let (status, body) = raw(json!({"email": "x@example.org", "password": PASSWORD}).to_string(), "text/plain").await;
    assert_error_shape(status, &body, 415, "unsupported_media_type");

    for (password, rule) in [("short", "at least 10"), (&"p".repeat(129)[..], "at most 128"), ("1234567890", "common")]
    {
        let (status, body) =
            api.post("/api/v1/auth/register", None, &json!({"email": "x@example.org", "password": password})).await;
        assert_error_shape(status, &body, 400, "invalid_request");
        assert!(body["message"].as_str().unwrap_or_default().contains(rule), "{body}");
    }
    let (status, body) =
        api.post("/api/v1/auth/register", None, &json!({"email": "not-an-email", "password": PASSWORD})).await;
    assert_error_shape(status, &body, 400, "invalid_request");

    // None of that created the account.
    let (status, _) =
        api.post("/api/v1/auth/login", None, &json!({"email": "x@example.org", "password": PASSWORD})).await;
    assert_eq!(status, 401);

    api.signed_up("taken@example.org").await;
    let (status, body) =
        api.post("/api/v1/auth/register", None, &json!({"email": "TAKEN@example.org ", "password": PASSWORD})).await;
    assert_error_shape(status, &body, 409, "email_taken");
}
on_every_backend!(bad_registrations_are_refused_and_write_nothing);

async fn unknown_email_and_wrong_password_get_the_same_401(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    api.signed_up("known@example.org").await;
    let (s1, b1) = api
        .post("/api/v1/auth/login", None, &json!({"email": "known@example.org", "password": "wrong password"}))
        .await;
    let (s2, b2) = api
        .post("/api/v1/auth/login", None, &json!({"email": "nobody@example.org", "password": "wrong password"}))
        .await;
    assert_error_shape(s1, &b1, 401, "invalid_credentials");
    assert_eq!((s1, b1), (s2, b2));
    let long_device = json!({"email": "known@example.org", "password": PASSWORD, "deviceName": "d".repeat(200)});
    let (status, body) = api.post("/api/v1/auth/login", None, &long_device).await;
    assert_error_shape(status, &body, 400, "invalid_request");
}
on_every_backend!(unknown_email_and_wrong_password_get_the_same_401);

async fn refresh_rotates_and_reuse_ends_the_session(backend: Backend) {
    // A reuse right after the rotation, without the grace for retries (see `refresh_retry`).
    let app = TestApp::spawn_with(backend, |c| c.tokens.refresh_retry_secs = 0).await;
    let api = Api::new(&app.base);
    let first = api.signed_up("ref@example.org").await;
    let (status, second) =
        api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": first["refreshToken"]})).await;
    assert_eq!(status, 200, "{second}");
    assert_ne!(second["refreshToken"], first["refreshToken"]);
    assert_eq!(api.validate(&text(&second, "accessToken")).await["valid"], true);

    let (status, body) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": first["refreshToken"]})).await;
    assert_error_shape(status, &body, 401, "invalid_refresh_token");
    let (status, _) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": second["refreshToken"]})).await;
    assert_eq!(status, 401, "the rotated token died with the session");
    let after = api.validate(&text(&second, "accessToken")).await;
    assert_eq!(after["valid"], false);
    assert!(after["reason"].as_str().is_some_and(|r| r.contains("session")), "{after}");

    let (status, body) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": "made-up"})).await;
    assert_error_shape(status, &body, 401, "invalid_refresh_token");
}
on_every_backend!(refresh_rotates_and_reuse_ends_the_session);

async fn logout_makes_validate_say_invalid(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let tokens = api.signed_up("bye@example.org").await;
    let access = text(&tokens, "accessToken");
    let (status, body) = api.post("/api/v1/auth/logout", None, &json!({})).await;
    assert_error_shape(status, &body, 401, "unauthorized");
    let (status, _) = api.post("/api/v1/auth/logout", Some(&access), &json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(api.validate(&access).await["valid"], false);
    let (status, body) = api.get("/api/v1/auth/me", &access).await;
    assert_error_shape(status, &body, 401, "invalid_token");
    let (status, _) = api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": tokens["refreshToken"]})).await;
    assert_eq!(status, 401);
    let garbage = api.validate("not.a.token").await;
    assert_eq!(garbage["valid"], false);
    assert!(garbage["reason"].is_string());
}
on_every_backend!(logout_makes_validate_say_invalid);

/// The methods the running router serves at `path`, from the `Allow` header of its 405
/// answer to a method no route has.
async fn served_methods(app: &TestApp, path: &str) -> Vec<String> {
    let concrete = path.replace("{id}", "some-id").replace("{user_id}", "some-user");
    let response =
        reqwest::Client::new().request(reqwest::Method::TRACE, app.url(&concrete)).send().await.expect("request");
    assert_eq!(response.status(), 405, "{path} is routed");
    let allow = response.headers().get("allow").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    allow.split(',').map(|m| m.trim().to_lowercase()).filter(|m| !m.is_empty() && m != "head").collect()
}

async fn openapi_document_and_router_agree(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let doc: Value = reqwest::get(app.url("/api/v1/openapi.json")).await.expect("get").json().await.expect("json");
    assert_eq!(doc["openapi"], "3.1.0");

    // Every route the router serves is documented, and nothing else is.
    let mut routed = std::collections::BTreeSet::new();
    for (path, _) in mana_auth::api::routes() {
        for method in served_methods(&app, path).await {
            routed.insert((path.to_owned(), method));
        }
    }
    let paths = doc["paths"].as_object().expect("paths");
    let documented: std::collections::BTreeSet<(String, String)> = paths
        .iter()
        .flat_map(|(path, item)| item.as_object().into_iter().flatten().map(move |(m, _)| (path.clone(), m.clone())))
        .collect();
    assert_eq!(routed, documented);
    assert!(routed.len() >= 30, "the whole tree, credits included: {routed:?}");
    assert!(routed.contains(&("/api/v1/credits/webhooks/stripe".into(), "post".into())));
    assert!(routed.contains(&("/api/v1/auth/me".into(), "delete".into())));

    // Each operation documents its failures in the error shape; the key set cannot fail.
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("operations") {
            if path == "/api/v1/auth/jwks" {
                continue;
            }
            let responses = operation["responses"].as_object().expect("responses");
            let error_shaped = responses.iter().any(|(status, response)| {
                status.starts_with('4')
                    && response["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"
            });
            assert!(error_shaped, "{method} {path} documents its errors as ErrorBody");
        }
    }
    for schema in [
        "LoginRequest",
        "LoginResponse",
        "MfaChallenge",
        "UserDto",
        "ErrorBody",
        "SessionDto",
        "RegisterB2b",
        "SecurityEventsPage",
        "DeleteMe",
        "Balance",
        "SpendRequest",
        "Movement",
        "Insufficient",
        "HistoryEntry",
        "Package",
        "Purchase",
        "NewPurchase",
        "Checkout",
        "Received",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "schema {schema}");
    }
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
}
on_every_backend!(openapi_document_and_router_agree);

/// Every JSON endpoint answers malformed, mistyped and incomplete bodies with a 400 in the error shape.
async fn every_json_endpoint_refuses_bad_bodies(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let token = text(&api.signed_up("shape@example.org").await, "accessToken");
    let (_, created) = api
        .post(
            "/api/v1/auth/register/b2b",
            None,
            &json!({"organizationName": "Shape", "ownerEmail": "boss@example.org", "ownerPassword": PASSWORD}),
        )
        .await;
    let members = format!("/api/v1/organizations/{}/members", text(&created["organization"], "id"));
    let endpoints = [
        (reqwest::Method::POST, "/api/v1/auth/register".to_owned()),
        (reqwest::Method::POST, "/api/v1/auth/register/b2b".to_owned()),
        (reqwest::Method::POST, "/api/v1/auth/login".to_owned()),
        (reqwest::Method::POST, "/api/v1/auth/refresh".to_owned()),
        (reqwest::Method::POST, "/api/v1/auth/validate".to_owned()),
        (reqwest::Method::PATCH, "/api/v1/auth/me".to_owned()),
        (reqwest::Method::POST, "/api/v1/auth/password".to_owned()),
        (reqwest::Method::POST, members),
    ];
    let http = reqwest::Client::new();
    for (method, path) in endpoints {
        for body in
            ["{not json", "[1, 2]", "{\"email\": 42, \"password\": [], \"token\": 1, \"refreshToken\": 2, \"name\": 3}"]
        {
            let response = http
                .request(method.clone(), app.url(&path))
                .bearer_auth(&token)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .expect("request");
            let status = response.status();
            let json: Value = response.json().await.expect("error body is JSON");
            assert_error_shape(status, &json, 400, "invalid_request");
        }
    }
    let (_, me) = api.get("/api/v1/auth/me", &token).await;
    assert!(me["name"].is_null(), "nothing was written");
}
on_every_backend!(every_json_endpoint_refuses_bad_bodies);

/// The user's one session, as stored.
async fn only_session(app: &TestApp, user_id: &str) -> entity::auth_sessions::Model {
    mana_auth::store::auth_sessions::list_active(&app.db, user_id).await.expect("sessions").remove(0)
}

async fn a_refresh_marks_its_session_used_once_a_minute(backend: Backend) {
    use mana_auth::store::now;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};

    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let mut pair = api.signed_up("used@example.org").await;
    let user_id = text(&pair["user"], "id");
    for (ago, written) in [(120, true), (30, false)] {
        let mut session = only_session(&app, &user_id).await.into_active_model();
        session.last_used_at = Set(now() - ago);
        session.update(&app.db).await.expect("update");
        let (status, next) =
            api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": pair["refreshToken"]})).await;
        assert_eq!(status, 200, "{next}");
        let seen = only_session(&app, &user_id).await.last_used_at;
        assert_eq!(seen >= now() - 5, written, "used {ago} s ago, now marked {seen}");
        pair = next;
    }
}
on_every_backend!(a_refresh_marks_its_session_used_once_a_minute);

async fn native_tokens_name_the_configured_audience(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.tokens.api_audience = Some("manacore".into())).await;
    let api = Api::new(&app.base);
    let session = api.signed_up("aud@example.org").await;
    let token = text(&session, "accessToken");
    assert_eq!(claims_of(&token)["aud"], "manacore");
    assert_eq!(api.validate(&token).await["valid"], true);
    for route in ["/api/v1/auth/me", "/api/v1/credits/balance"] {
        assert_eq!(api.get(route, &token).await.0, StatusCode::OK, "{route}");
    }
    let (status, refreshed) =
        api.post("/api/v1/auth/refresh", None, &json!({"refreshToken": session["refreshToken"]})).await;
    assert_eq!(status, StatusCode::OK, "{refreshed}");
    assert_eq!(claims_of(&text(&refreshed, "accessToken"))["aud"], "manacore", "a refreshed token too");

    // A relying party's token still names the issuer, and is still accepted.
    app.user("rp@example.org").await;
    let (rp, request, code, _) = signed_in_code(&app, "rp", Some(RP_SECRET), "rp@example.org", &["openid"]).await;
    let tokens = rp.exchange(&code, request.verifier).await.expect("tokens");
    let rp_token = tokens.access_token().secret().clone();
    assert_eq!(claims_of(&rp_token)["aud"], app.state.config.issuer.as_str());
    assert_eq!(api.validate(&rp_token).await["valid"], true);

    // Signed with the provider's own key, a token for anyone else is refused.
    let mut foreign = claims_of(&token);
    foreign["aud"] = json!("someone-else");
    let keys = app.state.keys.current();
    let foreign = keys.signer(SigningAlg::EdDSA).expect("signer").sign("at+jwt", &foreign).expect("sign");
    assert_eq!(api.validate(&foreign).await["valid"], false);
    assert_eq!(api.get("/api/v1/auth/me", &foreign).await.0, StatusCode::UNAUTHORIZED);
}
on_every_backend!(native_tokens_name_the_configured_audience);
