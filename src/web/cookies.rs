//! Reading a cookie from a request and adding one to a response.

use axum::{
    http::{HeaderMap, HeaderValue, header},
    response::Response,
};
use tower_sessions::cookie::Cookie;

/// The value of the cookie `name`, unless it is missing or empty.
pub fn value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|cookie| cookie.name() == name && !cookie.value().is_empty())
        .map(|cookie| cookie.value().to_owned())
}

/// Adds `Set-Cookie: cookie` to the response.
pub fn set(response: &mut Response, cookie: &Cookie<'_>) {
    if let Ok(value) = HeaderValue::from_str(&cookie.to_string()) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cookie_is_read_by_its_own_name() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_static("mana_session=abc; mana_csrf=t0k3n; other=1"));
        assert_eq!(value(&headers, "mana_csrf").as_deref(), Some("t0k3n"));
        headers.insert(header::COOKIE, HeaderValue::from_static("mana_csrf=; x=mana_csrf"));
        assert_eq!(value(&headers, "mana_csrf"), None);
    }
}
