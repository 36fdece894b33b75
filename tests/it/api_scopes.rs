//! Which tokens open which /api/v1 routes: the native API's own tokens act on their
//! account; a relying party's token needs the scope the route names (RFC 6750 §3.1).

use openidconnect::OAuth2TokenResponse;
use reqwest::Method;
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, PASSWORD, RP_SECRET, TestApp,
        api::{Api, text},
        signed_in_code,
    },
    on_every_backend,
};

const OWNER: &str = "owner@example.org";

/// An access token of the `rp` client for `OWNER`, granted `scopes`.
async fn rp_token(app: &TestApp, scopes: &[&str]) -> String {
    let (rp, request, code, _) = signed_in_code(app, "rp", Some(RP_SECRET), OWNER, scopes).await;
    rp.exchange(&code, request.verifier).await.expect("tokens").access_token().secret().clone()
}

struct Route {
    method: Method,
    path: String,
    body: Option<Value>,
    /// The scope that opens it to a relying party's token.
    scope: &'static str,
}

fn route(method: Method, path: impl Into<String>, body: Option<Value>, scope: &'static str) -> Route {
    Route { method, path: path.into(), body, scope }
}

/// Every route that acts on the caller's account, organizations or credits; the ones
/// that end the session come last.
fn routes(organization: &str, member_id: &str) -> Vec<Route> {
    let members = format!("/api/v1/organizations/{organization}/members");
    vec![
        route(Method::GET, "/api/v1/auth/me", None, "account"),
        route(Method::GET, "/api/v1/auth/sessions", None, "account"),
        route(Method::GET, "/api/v1/auth/security-events", None, "account"),
        route(Method::PATCH, "/api/v1/auth/me", Some(json!({"name": "Renamed"})), "account:write"),
        route(Method::POST, "/api/v1/auth/email/resend", None, "account:write"),
        route(Method::DELETE, "/api/v1/auth/sessions/no-such-session", None, "account:write"),
        route(
            Method::POST,
            "/api/v1/auth/password",
            Some(json!({"currentPassword": "wrong password here", "newPassword": "another long passphrase"})),
            "account:write",
        ),
        route(Method::GET, "/api/v1/auth/organizations", None, "organizations"),
        route(Method::GET, members.clone(), None, "organizations"),
        route(
            Method::POST,
            members.clone(),
            Some(json!({"email": "member@example.org", "role": "member"})),
            "organizations",
        ),
        route(Method::DELETE, format!("{members}/{member_id}"), None, "organizations"),
        route(Method::GET, "/api/v1/credits/balance", None, "credits"),
        route(Method::GET, "/api/v1/credits/transactions", None, "credits"),
        route(Method::GET, "/api/v1/credits/packages", None, "credits"),
        route(Method::GET, "/api/v1/credits/purchases", None, "credits"),
        route(Method::POST, "/api/v1/credits/purchases", Some(json!({"packageId": "small"})), "credits"),
        route(
            Method::POST,
            "/api/v1/credits/use",
            Some(json!({"amount": 1, "appId": "chat", "description": "a message"})),
            "credits",
        ),
        route(Method::POST, "/api/v1/auth/logout", None, "account:write"),
    ]
}

/// Error codes that say the token did not open the route.
const SHUT: [&str; 3] = ["insufficient_scope", "invalid_token", "unauthorized"];

/// Whether `route` let the token in: any answer but a refusal of the token.
fn opened(status: u16, error: Option<&str>) -> bool {
    status != 403 && !error.is_some_and(|e| SHUT.contains(&e))
}

/// Sends `route` with `token`; returns the status and the error code.
async fn call(api: &Api, route: &Route, token: &str) -> (u16, Option<String>) {
    let (status, body) = api.call(route.method.clone(), &route.path, Some(token), route.body.as_ref()).await;
    (status.as_u16(), body["error"].as_str().map(str::to_owned))
}

async fn tokens_reach_the_account_api_only_with_its_scopes(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let body = json!({"organizationName": "Acme", "ownerEmail": OWNER, "ownerPassword": PASSWORD, "ownerName": "O"});
    let (status, created) = api.post("/api/v1/auth/register/b2b", None, &body).await;
    assert_eq!(status, 201, "{created}");
    let organization = text(&created["organization"], "id");
    let member = api.signed_up("member@example.org").await;
    let member_id = text(&member["user"], "id");
    let routes = routes(&organization, &member_id);

    let openid_only = rp_token(&app, &["openid", "profile", "email"]).await;
    let everything_else = rp_token(&app, &["openid", "offline_access"]).await;
    for route in &routes {
        for token in [&openid_only, &everything_else] {
            let (status, error) = call(&api, route, token).await;
            assert_eq!(
                (status, error.as_deref()),
                (403, Some("insufficient_scope")),
                "{} {}",
                route.method,
                route.path
            );
        }
    }
    let response =
        reqwest::Client::new().get(app.url("/api/v1/auth/me")).bearer_auth(&openid_only).send().await.expect("request");
    let challenge = response.headers().get("www-authenticate").and_then(|v| v.to_str().ok()).map(str::to_owned);
    assert_eq!(challenge.as_deref(), Some(r#"Bearer error="insufficient_scope", scope="account""#));

    // A token of one scope opens its routes and no others.
    let native = text(&api.login(OWNER, None).await, "accessToken");
    for scope in ["account", "account:write", "organizations", "credits"] {
        let scoped = rp_token(&app, &["openid", scope]).await;
        for route in &routes {
            let (status, error) = call(&api, route, &scoped).await;
            let opens = route.scope == scope || (scope == "account:write" && route.scope == "account");
            if opens {
                assert!(
                    opened(status, error.as_deref()),
                    "{scope} opens {} {}: {status} {error:?}",
                    route.method,
                    route.path
                );
            } else {
                assert_eq!(status, 403, "{scope} does not open {} {}", route.method, route.path);
            }
        }
    }
    // The native API's own token opens every route of its account.
    for route in &routes {
        let (status, error) = call(&api, route, &native).await;
        assert!(
            opened(status, error.as_deref()),
            "native token on {} {}: {status} {error:?}",
            route.method,
            route.path
        );
    }
    assert_eq!(api.get("/api/v1/auth/me", &native).await.0, 401, "the native token's session signed out last");
}
on_every_backend!(tokens_reach_the_account_api_only_with_its_scopes);

async fn a_member_is_added_only_with_the_organizations_scope(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let api = Api::new(&app.base);
    let body = json!({"organizationName": "Acme", "ownerEmail": OWNER, "ownerPassword": PASSWORD, "ownerName": "O"});
    let organization = text(&api.post("/api/v1/auth/register/b2b", None, &body).await.1["organization"], "id");
    api.signed_up("intruder@example.org").await;
    let members = format!("/api/v1/organizations/{organization}/members");
    let add = json!({"email": "intruder@example.org", "role": "owner"});

    let openid_only = rp_token(&app, &["openid"]).await;
    assert_eq!(api.post(&members, Some(&openid_only), &add).await.0, 403);
    let native = text(&api.login(OWNER, None).await, "accessToken");
    let (_, listed) = api.get(&members, &native).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "nobody was added: {listed}");

    let scoped = rp_token(&app, &["openid", "organizations"]).await;
    assert_eq!(api.post(&members, Some(&scoped), &add).await.0, 201);
}
on_every_backend!(a_member_is_added_only_with_the_organizations_scope);
