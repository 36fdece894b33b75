//! The way on after a sign-in or a consent. A form sent from one of our pages starts a
//! navigation, and browsers check every redirect of it against that page's CSP
//! `form-action` (CSP3 §6.4.3): the client's redirect URI is allowed, but a client
//! whose callback redirects on to another origin (Synapse to its web client, an API
//! to its front end) would be stopped there. The same holds for a chain that began at
//! an upstream provider's sign-in page and reaches us. So the last answer of ours is a
//! page that refreshes to where the flow goes on: a navigation of its own, which no
//! form's policy governs.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::Response,
};

use super::page::{NoticePage, render};
use crate::i18n::Lang;

/// `response`, a redirect of ours (to our own page or a client's registered redirect
/// URI), as a page that goes on to its location at once; any other response as it is.
pub fn fresh_navigation(t: &Lang, response: Response) -> Response {
    if !response.status().is_redirection() {
        return response;
    }
    let Some(location) = response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()) else {
        return response;
    };
    let (title, link_text) = (t.get("onward-title"), t.get("onward-continue"));
    let page = NoticePage { t, title: &title, message: "", link: location, link_text: &link_text };
    let mut onward = render(StatusCode::OK, &page);
    if let Ok(refresh) = HeaderValue::from_str(&format!("0;url={location}")) {
        onward.headers_mut().insert(header::REFRESH, refresh);
    }
    onward
}
