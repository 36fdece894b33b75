//! The pages that say a sign-in through an upstream did not work, and the way back.

use axum::{http::StatusCode, response::Response};

use crate::{
    i18n::Lang,
    upstream::{Upstream, UpstreamError, links::LinkError},
    web::page::{NoticePage, render},
};

/// Where the person goes on from a failure: the sign-in page (with the request it
/// continues) or the account page that started a link.
pub struct Back {
    link: String,
    text: &'static str,
}

impl Back {
    pub fn of(linking: bool, req: &str) -> Back {
        match (linking, req.is_empty()) {
            (true, _) => Back { link: "/account/upstreams".into(), text: "account-back" },
            (false, true) => Back { link: "/login".into(), text: "upstream-back" },
            (false, false) => Back { link: format!("/login?req={req}"), text: "upstream-back" },
        }
    }
}

fn page(t: &Lang, status: StatusCode, upstream: &Upstream, message_key: &str, back: &Back) -> Response {
    let title = t.arg("upstream-failed-title", "name", upstream.name());
    let message = t.arg(message_key, "name", upstream.name());
    let link_text = t.get(back.text);
    render(status, &NoticePage { t, title: &title, message: &message, link: &back.link, link_text: &link_text })
}

/// The upstream could not be reached, refused, or answered what does not hold up.
pub fn refused(t: &Lang, upstream: &Upstream, err: &UpstreamError, back: &Back) -> Response {
    match err {
        UpstreamError::Unreachable(_) => page(t, StatusCode::BAD_GATEWAY, upstream, "upstream-unreachable", back),
        UpstreamError::Refused(_) => page(t, StatusCode::FORBIDDEN, upstream, "upstream-refused", back),
        UpstreamError::Invalid(_) => page(t, StatusCode::BAD_REQUEST, upstream, "upstream-invalid", back),
    }
}

/// The answer belongs to no sign-in this browser has waiting: unknown, used or expired.
pub fn expired(t: &Lang, upstream: &Upstream) -> Response {
    page(t, StatusCode::BAD_REQUEST, upstream, "upstream-expired", &Back::of(false, ""))
}

/// The identity leads to no account that may sign in: `key` says why.
pub fn no_account(t: &Lang, upstream: &Upstream, key: &str, back: &Back) -> Response {
    page(t, StatusCode::FORBIDDEN, upstream, key, back)
}

/// The identity could not be linked to the account that asked.
pub fn not_linked(t: &Lang, upstream: &Upstream, err: &LinkError) -> Response {
    let key = match err {
        LinkError::LinkedElsewhere => "upstream-linked-elsewhere",
        _ => "upstream-other-linked",
    };
    page(t, StatusCode::CONFLICT, upstream, key, &Back::of(true, ""))
}
