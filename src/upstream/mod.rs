//! Signing in with another identity provider (an upstream, `[[upstreams]]`): the
//! redirect there with `state`, `nonce` and PKCE, and at the callback the code
//! redeemed and what the upstream says about the person checked; then the identity
//! linked to an account here (`links`). The upstream's tokens are used for that and
//! dropped, unless `store_tokens` keeps its access token, sealed (`tokens`).

mod claims;
mod github;
pub mod http;
pub mod links;
mod oidc;
mod registry;
pub mod stored;
pub mod tokens;

use std::sync::Arc;

pub use claims::Identity;
pub use registry::Upstreams;

use self::tokens::Tokens;
use crate::{
    config::{UpstreamConfig, UpstreamKind},
    security::sealing::Sealer,
};

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    /// The upstream could not be reached, or answered what no provider should.
    #[error("the provider could not be reached: {0}")]
    Unreachable(String),
    /// The upstream said no: its error at the callback or at its token endpoint.
    #[error("the provider refused: {0}")]
    Refused(String),
    /// What came back does not hold up: a token not for us, not signed by the
    /// upstream, or not for this sign-in.
    #[error("the provider's answer was not accepted: {0}")]
    Invalid(String),
}

/// Where the browser goes, and what the callback checks its answer against.
pub struct Begun {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// The one redirect URI of the upstream `id`, to register there: a code sent to another
/// upstream's callback is never redeemed here (mix-up defence).
pub fn redirect_uri(issuer_base: &str, id: &str) -> String {
    format!("{issuer_base}/login/upstream/{id}/callback")
}

pub struct Upstream {
    pub config: UpstreamConfig,
    http: http::Bounded,
    discovery: oidc::Discovery,
    /// Seals the tokens it keeps; set where `store_tokens` is.
    sealer: Option<Sealer>,
}

impl Upstream {
    /// The upstream `config` describes; `sealer` (the secrets key's) seals its tokens
    /// where it keeps them, and must be there for that.
    fn new(config: UpstreamConfig, http: &http::Bounded, sealer: Option<&Sealer>) -> Result<Arc<Upstream>, String> {
        let sealer = match (config.store_tokens, sealer) {
            (false, _) => None,
            (true, Some(sealer)) => Some(sealer.clone()),
            (true, None) => return Err("store_tokens needs the secrets key to seal tokens with".into()),
        };
        let discovery = oidc::Discovery::default();
        Ok(Arc::new(Upstream { config, http: http.clone(), discovery, sealer }))
    }

    pub fn id(&self) -> &str {
        &self.config.id
    }

    pub fn name(&self) -> &str {
        &self.config.name
    }

    pub fn redirect_uri(&self, issuer_base: &str) -> String {
        redirect_uri(issuer_base, &self.config.id)
    }

    /// The address to send the browser to, with a fresh `state`, `nonce` and PKCE pair.
    pub async fn begin(&self, redirect_uri: &str) -> Result<Begun, UpstreamError> {
        match self.config.kind {
            UpstreamKind::Oidc | UpstreamKind::Google => oidc::begin(self, redirect_uri).await,
            UpstreamKind::Github => github::begin(&self.config, redirect_uri),
        }
    }

    /// Checks the `iss` of the answer (RFC 9207) where it came with one, or where the
    /// upstream announces that it always sends one.
    pub async fn check_response_issuer(&self, iss: Option<&str>) -> Result<(), UpstreamError> {
        let required = match self.config.kind {
            UpstreamKind::Github => false,
            UpstreamKind::Oidc | UpstreamKind::Google => oidc::announces_response_iss(self).await?,
        };
        match iss {
            Some(iss) if iss != self.config.issuer() => {
                Err(UpstreamError::Invalid("the answer names another issuer".into()))
            }
            None if required => Err(UpstreamError::Invalid("the answer has no `iss`, which the provider sends".into())),
            _ => Ok(()),
        }
    }

    /// Redeems `code` with its PKCE `verifier` and reads who signed in, checking the
    /// id_token against `nonce`; with the upstream's tokens.
    pub async fn finish(
        &self,
        redirect_uri: &str,
        code: &str,
        verifier: &str,
        nonce: &str,
    ) -> Result<(Identity, Tokens), UpstreamError> {
        match self.config.kind {
            UpstreamKind::Oidc | UpstreamKind::Google => oidc::finish(self, redirect_uri, code, verifier, nonce).await,
            UpstreamKind::Github => github::finish(&self.config, &self.http, redirect_uri, code, verifier).await,
        }
    }

    /// What to keep of `tokens` for `identity`: its access token sealed, with
    /// `store_tokens`; nothing otherwise.
    pub fn kept(&self, tokens: &Tokens, identity: &Identity) -> Option<Vec<u8>> {
        self.sealer.as_ref().map(|sealer| tokens.seal(sealer, identity))
    }

    /// The tokens kept for the identity `subject` at `issuer`, when this upstream keeps them.
    pub fn open_kept(&self, sealed: &[u8], issuer: &str, subject: &str) -> Option<Tokens> {
        Tokens::open(self.sealer.as_ref()?, sealed, issuer, subject)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeping_tokens_needs_the_secrets_key() {
        let keeps = UpstreamConfig { store_tokens: true, ..UpstreamConfig::example("gh", UpstreamKind::Github) };
        let ttl = std::time::Duration::ZERO;
        let refused = Upstreams::new(std::slice::from_ref(&keeps), None, ttl).err().expect("refused");
        assert!(refused.contains("upstreams[0].store_tokens"), "{refused}");
        let sealer = Sealer::new("0123456789abcdef0123456789abcdef").expect("sealer");
        let upstreams = Upstreams::new(&[keeps], Some(&sealer), ttl).expect("with the key");
        let github = &upstreams.configured()[0];
        assert_eq!(github.redirect_uri("https://id.example"), "https://id.example/login/upstream/gh/callback");
        assert!(upstreams.is_configured("gh") && !upstreams.is_configured("other"));
    }
}
