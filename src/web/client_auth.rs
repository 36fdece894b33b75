//! Client credentials as presented (RFC 6749 §2.3.1): HTTP Basic or form fields.
//! Parsing happens here; checking them against the registry is the protocol's job.

use axum::http::{HeaderMap, header};
use base64::{Engine, engine::general_purpose::STANDARD};

use super::input::is_single_line;

#[derive(Debug, PartialEq, Eq)]
pub enum AuthMethod {
    Basic,
    Post,
    None,
}

pub struct PresentedClient {
    pub id: String,
    pub secret: Option<String>,
    pub method: AuthMethod,
}

#[derive(Debug, PartialEq, Eq)]
pub enum ClientAuthError {
    /// Both Basic and form credentials, or a malformed Basic header.
    Malformed,
    /// No client identified at all.
    Missing,
}

/// Reads the client from `Authorization: Basic` or the `client_id`/`client_secret` form fields.
pub fn presented_client(
    headers: &HeaderMap,
    form_id: Option<&str>,
    form_secret: Option<&str>,
) -> Result<PresentedClient, ClientAuthError> {
    if let Some(value) = headers.get(header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| ClientAuthError::Malformed)?;
        let Some(encoded) = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic ")) else {
            return Err(ClientAuthError::Malformed);
        };
        if form_secret.is_some() {
            return Err(ClientAuthError::Malformed);
        }
        let decoded = STANDARD.decode(encoded.trim()).map_err(|_| ClientAuthError::Malformed)?;
        let decoded = String::from_utf8(decoded).map_err(|_| ClientAuthError::Malformed)?;
        let (id, secret) = decoded.split_once(':').ok_or(ClientAuthError::Malformed)?;
        let id = form_decode(id).ok_or(ClientAuthError::Malformed)?;
        if form_id.is_some_and(|f| f != id) {
            return Err(ClientAuthError::Malformed);
        }
        let secret = form_decode(secret).ok_or(ClientAuthError::Malformed)?;
        if !is_single_line(&id) || !is_single_line(&secret) {
            return Err(ClientAuthError::Malformed);
        }
        return Ok(PresentedClient { id, secret: Some(secret), method: AuthMethod::Basic });
    }
    let id = form_id.filter(|id| !id.is_empty()).ok_or(ClientAuthError::Missing)?.to_owned();
    Ok(match form_secret {
        Some(secret) => PresentedClient { id, secret: Some(secret.to_owned()), method: AuthMethod::Post },
        None => PresentedClient { id, secret: None, method: AuthMethod::None },
    })
}

/// Basic credentials are form-urlencoded before base64 (RFC 6749 §2.3.1).
fn form_decode(value: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&format!("v={value}")).ok()?;
    pairs.into_iter().next().map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn basic(raw: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        let value = format!("Basic {}", STANDARD.encode(raw));
        headers.insert(header::AUTHORIZATION, HeaderValue::from_str(&value).expect("header"));
        headers
    }

    #[test]
    fn basic_credentials_are_url_decoded() {
        let client = presented_client(&basic("my%20app:p%3Ass"), None, None).expect("parsed");
        assert_eq!((client.id.as_str(), client.secret.as_deref()), ("my app", Some("p:ss")));
        assert_eq!(client.method, AuthMethod::Basic);
    }

    #[test]
    fn two_methods_at_once_are_refused() {
        assert_eq!(presented_client(&basic("a:b"), None, Some("b")).err(), Some(ClientAuthError::Malformed));
    }

    #[test]
    fn control_characters_in_basic_credentials_are_malformed() {
        for raw in ["rp%00:secret", "rp:sec%0Aret", "r\u{7}p:secret"] {
            assert_eq!(presented_client(&basic(raw), None, None).err(), Some(ClientAuthError::Malformed), "{raw}");
        }
    }

    #[test]
    fn form_without_secret_is_a_public_client() {
        let client = presented_client(&HeaderMap::new(), Some("spa"), None).expect("parsed");
        assert_eq!(client.method, AuthMethod::None);
        assert_eq!(presented_client(&HeaderMap::new(), None, None).err(), Some(ClientAuthError::Missing));
    }
}
