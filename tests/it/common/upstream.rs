//! Signing in through another identity provider: its `[[upstreams]]` entry, and a
//! browser that follows redirects across the two providers.

use mana_auth::config::{ClaimNames, Secret, UpstreamConfig, UpstreamKind};
use reqwest::Response;

use super::{
    RP_REDIRECT,
    browser::{Browser, location, onward},
};

/// An upstream entry with the defaults, creating accounts at first sign-in.
pub fn upstream_config(id: &str, kind: UpstreamKind, issuer: &str, client_id: &str, secret: &str) -> UpstreamConfig {
    UpstreamConfig {
        id: id.into(),
        name: format!("{id} provider"),
        kind,
        issuer: Some(issuer.into()),
        api_url: (kind == UpstreamKind::Github).then(|| issuer.to_owned()),
        client_id: client_id.into(),
        client_secret: Secret::new(secret),
        scopes: None,
        claims: ClaimNames::default(),
        auto_create: true,
        link_by_verified_email: false,
        trust_mfa: false,
        store_tokens: false,
    }
}

/// Follows every redirect and refresh, whichever provider it leads to, until a page or
/// the relying party's redirect URI (returned with the page that led there).
pub async fn follow_all(browser: &Browser, mut response: Response) -> (Response, Option<String>) {
    loop {
        let Some(next) = onward(&response) else { return (response, None) };
        if next.starts_with(RP_REDIRECT) {
            return (response, Some(next));
        }
        // Relative to the provider that answered.
        let next = response.url().join(&next).expect("a location").to_string();
        response = browser.get(&next).await;
    }
}

/// Opens `/login/upstream/{id}` for the authorization request `req` (or none): the
/// address at the upstream the browser is sent to.
pub async fn start(browser: &Browser, id: &str, req: &str) -> String {
    let query = if req.is_empty() { String::new() } else { format!("?req={req}") };
    let response = browser.get(&format!("/login/upstream/{id}{query}")).await;
    assert_eq!(response.status(), 303, "starting at {id}");
    location(&response)
}
