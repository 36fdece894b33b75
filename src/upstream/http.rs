//! Requests to an upstream provider: a deadline on each, no redirects followed (a
//! token request must not be replayed elsewhere), and a bound on what is read back.

use std::{future::Future, pin::Pin, time::Duration};

use axum::http;
use openidconnect::{AsyncHttpClient, HttpRequest, HttpResponse};

/// How long one request to an upstream may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(10);
/// The most read from one answer: discovery documents, key sets and tokens are far
/// smaller.
const MAX_BYTES: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HttpFailure(pub String);

/// The client every request to an upstream goes through, the `openidconnect` crate's too.
#[derive(Clone)]
pub struct Bounded(reqwest::Client);

impl Bounded {
    pub fn new() -> Result<Bounded, String> {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .user_agent(concat!("mana-auth/", env!("CARGO_PKG_VERSION")))
            .build()
            .map(Bounded)
            .map_err(|e| e.to_string())
    }

    pub fn client(&self) -> &reqwest::Client {
        &self.0
    }
}

impl<'c> AsyncHttpClient<'c> for Bounded {
    type Error = HttpFailure;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpFailure>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(send(&self.0, request))
    }
}

/// Sends a request of the `openidconnect` crate through `http`.
async fn send(http: &reqwest::Client, request: HttpRequest) -> Result<HttpResponse, HttpFailure> {
    let request = reqwest::Request::try_from(request).map_err(|e| HttpFailure(e.to_string()))?;
    let response = http.execute(request).await.map_err(|e| HttpFailure(e.to_string()))?;
    let mut answer = http::Response::builder().status(response.status());
    for (name, value) in response.headers() {
        answer = answer.header(name, value);
    }
    let body = body_within(response, MAX_BYTES).await.map_err(HttpFailure)?;
    answer.body(body).map_err(|e| HttpFailure(e.to_string()))
}

/// The JSON `http` answers a GET of `url` with `bearer`, when it answers 2xx.
pub async fn get_json(http: &Bounded, url: &str, bearer: &str) -> Result<serde_json::Value, HttpFailure> {
    let response = http
        .0
        .get(url)
        .bearer_auth(bearer)
        .header(http::header::ACCEPT, "application/json")
        .send()
        .await
        .map_err(|e| HttpFailure(e.to_string()))?;
    let status = response.status();
    if !status.is_success() {
        return Err(HttpFailure(format!("{url} answered {status}")));
    }
    let body = body_within(response, MAX_BYTES).await.map_err(HttpFailure)?;
    serde_json::from_slice(&body).map_err(|e| HttpFailure(format!("{url} answered no JSON: {e}")))
}

/// The body of `response`, refused once it passes `max` bytes.
pub async fn body_within(mut response: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    if response.content_length().is_some_and(|length| length > max as u64) {
        return Err("the answer is too large".into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > max {
            return Err("the answer is too large".into());
        }
    }
    Ok(body)
}
