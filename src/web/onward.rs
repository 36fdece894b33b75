//! The way on after a sign-in or a consent. A form sent from one of our pages starts a
//! navigation, and browsers check every redirect of it against that page's CSP
//! `form-action` (CSP3 §6.4.3): the client's redirect URI is allowed, but a client
//! whose callback redirects on to another origin (Synapse to its web client, an API
//! to its front end) would be stopped there. The same holds for a chain that began at
//! an upstream provider's sign-in page and reaches us. So the last answer of ours is a
//! page that refreshes to where the flow goes on: a navigation of its own, which no
//! form's policy governs. Only for clients on the web: an app's own scheme (RFC 8252)
//! is reached by the redirect, which browsers hand to the app only as the result of
//! the person's action, and which leads nowhere further.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::Response,
};

use super::page::{NoticePage, render};
use crate::i18n::Lang;

/// `response`, a redirect of ours on the way to the client's `redirect_uri`, as a page
/// that goes on to its location at once when that URI is on the web; any other response
/// as it is.
pub fn fresh_navigation(t: &Lang, response: Response, redirect_uri: &str) -> Response {
    let on_the_web = redirect_uri.starts_with("https://") || redirect_uri.starts_with("http://");
    if !on_the_web || !response.status().is_redirection() {
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

#[cfg(test)]
mod tests {
    use axum::response::{IntoResponse, Redirect};

    use super::*;

    #[test]
    fn only_a_redirect_toward_a_web_client_becomes_a_refreshing_page() {
        let t = crate::i18n::Languages::built_in("en").expect("catalogues").named(None);
        let to_resume = || Redirect::to("/authorize/resume?req=r").into_response();
        let page = fresh_navigation(&t, to_resume(), "https://app.example/cb");
        assert_eq!(page.status(), StatusCode::OK);
        assert_eq!(page.headers()[header::REFRESH], "0;url=/authorize/resume?req=r");
        let app = fresh_navigation(&t, to_resume(), "com.example.app:/callback");
        assert_eq!(app.status(), StatusCode::SEE_OTHER, "an app's own scheme keeps the redirect");
        let shown = fresh_navigation(&t, StatusCode::OK.into_response(), "https://app.example/cb");
        assert!(shown.headers().get(header::REFRESH).is_none());
    }
}
