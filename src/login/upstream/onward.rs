//! The way on from the callback. The callback is reached by redirects that began with
//! a form sent at the upstream (its sign-in page), and browsers check every redirect of
//! such a chain against that page's CSP `form-action`: a redirect on to a client at an
//! origin the upstream never named would be blocked. So the callback answers with a
//! page that refreshes to where the sign-in goes on: a navigation of its own.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::Response,
};

use crate::{
    i18n::Lang,
    web::page::{NoticePage, render},
};

/// `response`, a redirect, as a page that goes on to its location at once; any other
/// response as it is.
pub fn fresh_navigation(t: &Lang, response: Response) -> Response {
    if !response.status().is_redirection() {
        return response;
    }
    let Some(location) = response.headers().get(header::LOCATION).and_then(|l| l.to_str().ok()) else {
        return response;
    };
    // Only our own paths come here; anything else is left as the redirect it was.
    if !location.starts_with('/') || location.starts_with("//") {
        return response;
    }
    let (title, link_text) = (t.get("upstream-continue-title"), t.get("upstream-continue"));
    let page = NoticePage { t, title: &title, message: "", link: location, link_text: &link_text };
    let mut onward = render(StatusCode::OK, &page);
    if let Ok(refresh) = HeaderValue::from_str(&format!("0;url={location}")) {
        onward.headers_mut().insert(header::REFRESH, refresh);
    }
    onward
}
