//! Who passkeys are made for: the WebAuthn relying party id (a domain) and the web
//! origins allowed to use them, both following the issuer unless set.

use serde::Deserialize;
use url::{Host, Url};

use super::{Config, ConfigError, clients::validate_origin, invalid};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebauthnConfig {
    /// Unset: the issuer's host.
    pub rp_id: Option<String>,
    /// Empty: the issuer's origin.
    pub origins: Vec<String>,
}

/// The relying party passkeys are registered with and checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RelyingParty {
    pub id: String,
    pub origins: Vec<Url>,
}

impl Config {
    /// The relying party, or why passkeys are off: browsers refuse an IP address as
    /// relying party id, so an issuer on one needs `webauthn.rp_id` for passkeys.
    pub fn relying_party(&self) -> Result<Result<RelyingParty, String>, ConfigError> {
        let issuer = Url::parse(&self.issuer).map_err(|e| invalid("issuer", e.to_string()))?;
        let id = match (&self.webauthn.rp_id, issuer.host()) {
            (Some(id), _) => id.trim().to_ascii_lowercase(),
            (None, Some(Host::Domain(host))) => host.to_owned(),
            (None, _) => {
                return Ok(Err("the issuer's host is an IP address, which browsers refuse as relying party id; \
                     set webauthn.rp_id (and webauthn.origins) to turn passkeys on"
                    .to_owned()));
            }
        };
        if !matches!(Host::parse(&id), Ok(Host::Domain(_))) || id.ends_with('.') {
            return Err(invalid("webauthn.rp_id", format!("`{id}` is not a domain name")));
        }
        let origins = if self.webauthn.origins.is_empty() {
            vec![issuer.origin().ascii_serialization()]
        } else {
            self.webauthn.origins.clone()
        };
        let origins = origins.iter().map(|origin| allowed_origin(&id, origin)).collect::<Result<_, _>>()?;
        Ok(Ok(RelyingParty { id, origins }))
    }
}

/// An origin passkeys of `rp_id` may be used from: on that domain or under it, and
/// over TLS unless it is on localhost, as browsers require.
fn allowed_origin(rp_id: &str, origin: &str) -> Result<Url, ConfigError> {
    let refused = |problem: String| invalid("webauthn.origins", format!("`{origin}`: {problem}"));
    validate_origin(origin).map_err(refused)?;
    let url = Url::parse(origin).map_err(|e| refused(e.to_string()))?;
    let host = url.host_str().unwrap_or_default();
    if host != rp_id && !host.ends_with(&format!(".{rp_id}")) {
        return Err(refused(format!("is not on the relying party id `{rp_id}` or a subdomain of it")));
    }
    let local = host == "localhost" || host.ends_with(".localhost");
    if url.scheme() != "https" && !local {
        return Err(refused("must be https (http only on localhost)".into()));
    }
    Ok(url)
}
