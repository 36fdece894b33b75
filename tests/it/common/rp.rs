//! The relying party: the `openidconnect` crate, configured from discovery, as
//! Synapse or any certified client library would be.

use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
    core::{CoreAuthenticationFlow, CoreClient, CoreJwsSigningAlgorithm, CoreProviderMetadata, CoreTokenResponse},
};

use super::RP_REDIRECT;

pub type RpClient =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

pub struct RelyingParty {
    pub client: RpClient,
    pub http: reqwest::Client,
    pub metadata: CoreProviderMetadata,
}

/// One authorization request in flight.
pub struct Request {
    pub url: String,
    pub state: CsrfToken,
    pub nonce: Nonce,
    pub verifier: PkceCodeVerifier,
}

impl RelyingParty {
    pub async fn discover(issuer: &str, client_id: &str, secret: Option<&str>) -> RelyingParty {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let metadata = CoreProviderMetadata::discover_async(IssuerUrl::new(issuer.into()).expect("issuer"), &http)
            .await
            .expect("discovery parses");
        let client = CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(client_id.into()),
            secret.map(|s| ClientSecret::new(s.into())),
        )
        .set_redirect_uri(RedirectUrl::new(RP_REDIRECT.into()).expect("redirect"));
        RelyingParty { client, http, metadata }
    }

    /// The same client with another redirect URI registered.
    pub fn redirecting_to(mut self, uri: &str) -> RelyingParty {
        self.client = self.client.set_redirect_uri(RedirectUrl::new(uri.into()).expect("redirect"));
        self
    }

    pub fn authorize(&self, scopes: &[&str]) -> Request {
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = self.client.authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        );
        for scope in scopes {
            request = request.add_scope(Scope::new((*scope).into()));
        }
        let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
        Request { url: url.to_string(), state, nonce, verifier }
    }

    pub async fn exchange(
        &self,
        code: &str,
        verifier: PkceCodeVerifier,
    ) -> Result<
        CoreTokenResponse,
        openidconnect::RequestTokenError<
            openidconnect::HttpClientError<reqwest::Error>,
            openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
        >,
    > {
        self.client
            .exchange_code(AuthorizationCode::new(code.into()))
            .expect("token endpoint")
            .set_pkce_verifier(verifier)
            .request_async(&self.http)
            .await
    }

    pub fn verifier_for(&self, alg: CoreJwsSigningAlgorithm) -> openidconnect::core::CoreIdTokenVerifier<'_> {
        self.client.id_token_verifier().set_allowed_algs(vec![alg])
    }
}
