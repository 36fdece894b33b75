//! Declared clients (`[[clients]]`, OAuth 2.0 client metadata as RFC 7591 names it) and
//! the checks on the URLs the configuration holds.

use serde::Deserialize;
use url::Url;

use super::{ConfigError, Secret, SigningAlg, invalid};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub id: String,
    pub secret: Option<Secret>,
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub post_logout_redirect_uris: Vec<String>,
    pub name: Option<String>,
    #[serde(default)]
    pub skip_consent: bool,
    #[serde(default = "default_grant_types")]
    pub grant_types: Vec<String>,
    pub backchannel_logout_uri: Option<String>,
    pub id_token_signed_response_alg: Option<SigningAlg>,
    /// A resource server: may introspect every client's access tokens (RFC 7662).
    #[serde(default)]
    pub introspection: bool,
    /// Its authorization requests must be pushed to `/par` first (RFC 9126).
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// Its token requests must carry a DPoP proof, so its access tokens are always
    /// bound to a key (RFC 9449 §5.2).
    #[serde(default)]
    pub dpop_bound_access_tokens: bool,
    /// The declared resources (`[[resources]]`) it may ask tokens for; unset: every one.
    pub resources: Option<Vec<String>>,
}

pub(super) fn default_grant_types() -> Vec<String> {
    vec!["authorization_code".into(), "refresh_token".into()]
}

pub const GRANT_TYPES: [&str; 4] =
    ["authorization_code", "refresh_token", "client_credentials", "urn:ietf:params:oauth:grant-type:device_code"];

pub fn validate_client(key: &str, client: &ClientConfig) -> Result<(), ConfigError> {
    if client.id.trim().is_empty() || client.id.len() > 128 {
        return Err(invalid(format!("{key}.id"), "must be 1 to 128 characters"));
    }
    if client.redirect_uris.is_empty() && client.grant_types.iter().any(|g| g == "authorization_code") {
        return Err(invalid(format!("{key}.redirect_uris"), "at least one is needed for authorization_code"));
    }
    for (field, uris) in
        [("redirect_uris", &client.redirect_uris), ("post_logout_redirect_uris", &client.post_logout_redirect_uris)]
    {
        for uri in uris {
            validate_redirect_uri(uri).map_err(|p| invalid(format!("{key}.{field}"), format!("`{uri}`: {p}")))?;
        }
    }
    if let Some(uri) = &client.backchannel_logout_uri {
        validate_redirect_uri(uri)
            .map_err(|p| invalid(format!("{key}.backchannel_logout_uri"), format!("`{uri}`: {p}")))?;
    }
    for grant in &client.grant_types {
        if !GRANT_TYPES.contains(&grant.as_str()) {
            return Err(invalid(format!("{key}.grant_types"), format!("unknown grant type `{grant}`")));
        }
    }
    if client.secret.is_none() && client.grant_types.iter().any(|g| g == "client_credentials") {
        return Err(invalid(format!("{key}.grant_types"), "client_credentials needs a secret"));
    }
    if client.secret.is_none() && client.introspection {
        return Err(invalid(format!("{key}.introspection"), "introspection is for clients with a secret"));
    }
    if client.secret.as_ref().is_some_and(|s| s.expose().is_empty()) {
        return Err(invalid(format!("{key}.secret"), "must not be empty (omit it for a public client)"));
    }
    Ok(())
}

/// A CORS origin is `scheme://host[:port]` exactly, never a wildcard.
pub(super) fn validate_origin(origin: &str) -> Result<(), String> {
    let url = Url::parse(origin).map_err(|e| format!("not an origin: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err("must be an http(s) origin".into());
    }
    if url.origin().ascii_serialization() != origin {
        return Err("must be scheme://host[:port] with no path, query or trailing slash".into());
    }
    Ok(())
}

/// Redirect URIs are compared exactly, so they must be absolute and carry no fragment (RFC 6749 §3.1.2).
pub fn validate_redirect_uri(uri: &str) -> Result<(), String> {
    let url = Url::parse(uri).map_err(|e| format!("not an absolute URL: {e}"))?;
    if url.fragment().is_some() {
        return Err("must not contain a fragment".into());
    }
    if url.cannot_be_a_base() {
        return Err("must be a hierarchical URL".into());
    }
    Ok(())
}
