//! A browser stand-in: a cookie jar, no automatic redirects, and form helpers for the hosted pages.

use reqwest::{Client, Response, StatusCode, header::LOCATION, redirect::Policy};

pub struct Browser {
    pub http: Client,
    base: String,
}

impl Browser {
    pub fn new(base: &str) -> Browser {
        Browser::speaking(base, "")
    }

    /// A browser that sends `Accept-Language: languages` (none when empty).
    pub fn speaking(base: &str, languages: &str) -> Browser {
        let mut headers = reqwest::header::HeaderMap::new();
        if !languages.is_empty() {
            headers.insert(reqwest::header::ACCEPT_LANGUAGE, languages.parse().expect("header value"));
        }
        let http = Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Browser { http, base: base.to_owned() }
    }

    fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') { format!("{}{url}", self.base) } else { url.to_owned() }
    }

    pub async fn get(&self, url: &str) -> Response {
        self.http.get(self.absolute(url)).send().await.expect("GET")
    }

    pub async fn post_form(&self, url: &str, form: &[(&str, &str)]) -> Response {
        self.http.post(self.absolute(url)).form(form).send().await.expect("POST")
    }

    /// Follows redirects, and pages that refresh at once (`web::onward`), within the
    /// provider; returns the first response that is neither, or the one that leaves the
    /// provider, with its location.
    pub async fn follow(&self, mut response: Response) -> (Response, Option<String>) {
        loop {
            let Some(location) = onward(&response) else { return (response, None) };
            if !location.starts_with('/') && !location.starts_with(&self.base) {
                return (response, Some(location));
            }
            response = self.get(&location).await;
        }
    }

    /// Opens an authorization URL and signs in on the hosted page; returns where the
    /// provider finally sends the browser (the client's redirect URI) or the page it stops on.
    pub async fn authorize_and_sign_in(&self, auth_url: &str, email: &str, password: &str) -> String {
        let (page, left) = self.follow(self.get(auth_url).await).await;
        if let Some(location) = left {
            return location;
        }
        let html = page.text().await.expect("sign-in page");
        let response = self.submit_sign_in(&html, email, password).await;
        let (page, left) = self.follow(response).await;
        left.unwrap_or_else(|| panic!("no redirect back to the client; stopped at {}", page.status()))
    }

    /// Posts the sign-in form found in `html`.
    pub async fn submit_sign_in(&self, html: &str, email: &str, password: &str) -> Response {
        let csrf = hidden_field(html, "csrf");
        let req = hidden_field(html, "req");
        self.post_form("/login", &[("email", email), ("password", password), ("csrf", &csrf), ("req", &req)]).await
    }
}

/// Where a response leads: its redirect's location, or the URL a page that refreshes at
/// once goes to.
pub fn onward(response: &Response) -> Option<String> {
    if response.status().is_redirection() {
        return Some(location(response));
    }
    let refresh = response.headers().get(reqwest::header::REFRESH)?.to_str().ok()?;
    Some(refresh.split_once("url=")?.1.to_owned())
}

pub fn location(response: &Response) -> String {
    assert!(response.status().is_redirection() || response.status() == StatusCode::OK, "status {}", response.status());
    response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned()
}

/// The value of `<input type="hidden" name=NAME value="…">` in a page.
pub fn hidden_field(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap_or_else(|| panic!("no hidden field {name}")) + marker.len();
    let end = html[start..].find('"').expect("closing quote") + start;
    html[start..end].to_owned()
}

/// A query parameter of a URL.
pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url).ok()?.query_pairs().find(|(k, _)| k == name).map(|(_, v)| v.into_owned())
}
