//! The language of each answer (`i18n::choice`): chosen once per request, handed to
//! page handlers as `Lang`, and used to write the error page of a request that failed.
//! A language picked with a page's switch (`?lang=`) is kept in a cookie for a year.

use axum::{
    extract::{FromRequestParts, Request, State},
    http::{Method, header, request::Parts},
    middleware::Next,
    response::Response,
};
use tower_sessions::cookie::{Cookie, SameSite};

use super::{cookies, page::PageError};
use crate::{
    i18n::{Asked, LANGUAGE_COOKIE, LANGUAGE_PARAM, Lang},
    state::AppState,
};

#[tracing::instrument(level = "debug", skip_all)]
pub async fn choose(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let choice = {
        let uri = request.uri();
        let param = uri.query().and_then(|query| {
            url::form_urlencoded::parse(query.as_bytes())
                .find(|(name, _)| name == LANGUAGE_PARAM)
                .map(|(_, value)| value.into_owned())
        });
        let cookie = cookies::value(request.headers(), LANGUAGE_COOKIE);
        let accept_language = request.headers().get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
        let asked = Asked { param: param.as_deref(), cookie: cookie.as_deref(), accept_language };
        let linkable = matches!(*request.method(), Method::GET | Method::HEAD);
        state.security.languages.choose(&asked, linkable.then(|| uri.clone()))
    };
    request.extensions_mut().insert(choice.lang.clone());
    let mut response = next.run(request).await;
    if let Some(failure) = response.extensions_mut().remove::<super::page::Unwritten>() {
        response = failure.write(&choice.lang, response);
    }
    if let Some(tag) = choice.remember {
        let cookie = Cookie::build((LANGUAGE_COOKIE, tag))
            .path("/")
            .http_only(true)
            .same_site(SameSite::Lax)
            .secure(state.config.issuer_is_https())
            .max_age(time::Duration::days(365))
            .build();
        cookies::set(&mut response, &cookie);
    }
    response
}

impl<S: Send + Sync> FromRequestParts<S> for Lang {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Lang>()
            .cloned()
            .ok_or_else(|| PageError::Internal("the language middleware is not installed".into()))
    }
}
