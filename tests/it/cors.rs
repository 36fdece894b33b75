//! One CORS policy for the whole `/api/v1` tree (`api.cors_origins`): a browser app at
//! a listed origin may call the auth, organization and credits routes; any other
//! origin gets no CORS headers, and bearer tokens need no credentials mode.

use reqwest::{Method, Response};
use serde_json::json;

use crate::{
    common::{
        Backend, TestApp,
        api::{Api, text},
    },
    on_every_backend,
};

const ALLOWED: &str = "https://app.example.org";
const REFUSED: &str = "https://evil.example";

/// A route of each group: its method, its path and a body when it takes one.
const ROUTES: [(&str, &str, &str); 4] = [
    ("auth", "POST", "/api/v1/auth/validate"),
    ("organizations", "GET", "/api/v1/auth/organizations"),
    ("credits", "GET", "/api/v1/credits/balance"),
    ("credits", "POST", "/api/v1/credits/use"),
];

async fn preflight(app: &TestApp, origin: &str, method: &str, path: &str) -> Response {
    reqwest::Client::new()
        .request(Method::OPTIONS, app.url(path))
        .header("origin", origin)
        .header("access-control-request-method", method)
        .header("access-control-request-headers", "authorization, content-type, dpop")
        .send()
        .await
        .expect("preflight")
}

/// The request itself, as the browser sends it after the preflight.
async fn request(app: &TestApp, origin: &str, method: &str, path: &str, token: &str) -> Response {
    let method = Method::from_bytes(method.as_bytes()).expect("method");
    let body = match path {
        "/api/v1/auth/validate" => json!({ "token": token }),
        _ => json!({ "amount": 1, "appId": "web", "description": "a browser spend" }),
    };
    let builder = reqwest::Client::new().request(method.clone(), app.url(path)).header("origin", origin);
    let builder = if method == Method::POST { builder.json(&body) } else { builder };
    builder.bearer_auth(token).send().await.expect("request")
}

fn allow_origin(response: &Response) -> Option<&str> {
    response.headers().get("access-control-allow-origin").map(|v| v.to_str().expect("ascii"))
}

async fn every_api_route_group_answers_listed_origins_only(backend: Backend) {
    let app = TestApp::spawn_with(backend, |c| c.api.cors_origins = vec![ALLOWED.into()]).await;
    let session = Api::new(&app.base).signed_up("cors@example.org").await;
    let token = text(&session, "accessToken");
    for (group, method, path) in ROUTES {
        let allowed = preflight(&app, ALLOWED, method, path).await;
        assert!(allowed.status().is_success(), "{group} {method} {path}: {}", allowed.status());
        assert_eq!(allow_origin(&allowed), Some(ALLOWED), "{group} {method} {path}");
        let methods = allowed.headers()["access-control-allow-methods"].to_str().expect("ascii").to_owned();
        assert!(methods.contains(method), "{group} {method} {path}: {methods}");
        let headers = allowed.headers()["access-control-allow-headers"].to_str().expect("ascii").to_lowercase();
        assert!(["authorization", "content-type", "dpop"].iter().all(|h| headers.contains(h)), "{headers}");
        assert!(allowed.headers().get("access-control-allow-credentials").is_none(), "bearer tokens, no cookies");
        assert!(allow_origin(&preflight(&app, REFUSED, method, path).await).is_none(), "{group} {path}");

        let answered = request(&app, ALLOWED, method, path, &token).await;
        assert!(answered.status().is_success(), "{group} {method} {path}: {}", answered.status());
        assert_eq!(allow_origin(&answered), Some(ALLOWED), "{group} {method} {path}");
        let elsewhere = request(&app, REFUSED, method, path, &token).await;
        assert!(allow_origin(&elsewhere).is_none(), "{group} {method} {path}");
    }
}
on_every_backend!(every_api_route_group_answers_listed_origins_only);

#[tokio::test]
async fn without_listed_origins_there_is_no_cors() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    for (_, method, path) in ROUTES {
        assert!(allow_origin(&preflight(&app, ALLOWED, method, path).await).is_none(), "{path}");
    }
    let response =
        reqwest::Client::new().get(app.url("/api/v1/auth/jwks")).header("origin", ALLOWED).send().await.expect("get");
    assert!(allow_origin(&response).is_none(), "no origins configured, no CORS");
}
