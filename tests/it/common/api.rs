//! A JSON client for the native API.

use reqwest::{Client, Method, StatusCode};
use serde_json::Value;

pub struct Api {
    http: Client,
    base: String,
}

impl Api {
    pub fn new(base: &str) -> Api {
        Api { http: Client::new(), base: base.to_owned() }
    }

    /// Sends `body` as JSON with an optional bearer token; returns the status and the JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        bearer: Option<&str>,
        body: Option<&Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request");
        let status = response.status();
        let text = response.text().await.expect("body");
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    pub async fn post(&self, path: &str, bearer: Option<&str>, body: &Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, bearer, Some(body)).await
    }

    pub async fn get(&self, path: &str, bearer: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, Some(bearer), None).await
    }

    /// Registers and signs in; returns the login response.
    pub async fn signed_up(&self, email: &str) -> Value {
        let (status, _) = self
            .post("/api/v1/auth/register", None, &serde_json::json!({"email": email, "password": super::PASSWORD}))
            .await;
        assert_eq!(status, 201);
        self.login(email, None).await
    }

    pub async fn login(&self, email: &str, device: Option<&str>) -> Value {
        let body =
            serde_json::json!({"email": email, "password": super::PASSWORD, "deviceId": device, "deviceName": device});
        let (status, tokens) = self.post("/api/v1/auth/login", None, &body).await;
        assert_eq!(status, 200, "{tokens}");
        tokens
    }

    pub async fn validate(&self, token: &str) -> Value {
        self.post("/api/v1/auth/validate", None, &serde_json::json!({"token": token})).await.1
    }
}

/// A field of a JSON value as text.
pub fn text(value: &Value, field: &str) -> String {
    value[field].as_str().unwrap_or_else(|| panic!("no {field} in {value}")).to_owned()
}
