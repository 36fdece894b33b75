//! An OpenID Connect upstream (and Google, one of them): discovery, the code flow with
//! PKCE and a nonce, and the id_token checked against the upstream's key set by the
//! `openidconnect` crate: its signature, issuer, audience, expiry and nonce.

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use openidconnect::{
    AdditionalProviderMetadata, AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadata, RedirectUrl, RequestTokenError, Scope,
    core::{
        CoreAuthDisplay, CoreAuthenticationFlow, CoreClaimName, CoreClaimType, CoreClient, CoreClientAuthMethod,
        CoreGrantType, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm,
        CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
    },
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use super::{Begun, Identity, Upstream, UpstreamError, claims, http, tokens::Tokens};

/// How long a discovery document and its key set are used before they are read again;
/// an id_token signed by a key not in them reads them again at once.
const KEEP: Duration = Duration::from_secs(3600);

/// RFC 9207's metadata beside OpenID Connect Discovery's.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ResponseIssuer {
    #[serde(default)]
    authorization_response_iss_parameter_supported: bool,
}

impl AdditionalProviderMetadata for ResponseIssuer {}

type Metadata = ProviderMetadata<
    ResponseIssuer,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

type Client =
    CoreClient<EndpointSet, EndpointNotSet, EndpointNotSet, EndpointNotSet, EndpointMaybeSet, EndpointMaybeSet>;

/// What was discovered about one upstream, and when.
#[derive(Default)]
pub struct Discovery(Mutex<Option<(Instant, Arc<Metadata>)>>);

/// The upstream's metadata: as read within the hour, or read now (`fresh`: read now).
async fn metadata(upstream: &Upstream, fresh: bool) -> Result<Arc<Metadata>, UpstreamError> {
    let mut cached = upstream.discovery.0.lock().await;
    if let Some((at, metadata)) = cached.as_ref()
        && !fresh
        && at.elapsed() < KEEP
    {
        return Ok(metadata.clone());
    }
    let issuer = IssuerUrl::new(upstream.config.issuer().to_owned())
        .map_err(|e| UpstreamError::Unreachable(format!("issuer: {e}")))?;
    let discovered = Metadata::discover_async(issuer, &upstream.http)
        .await
        .map_err(|e| UpstreamError::Unreachable(format!("discovery: {}", with_sources(&e))))?;
    let discovered = Arc::new(discovered);
    *cached = Some((Instant::now(), discovered.clone()));
    Ok(discovered)
}

fn client(upstream: &Upstream, metadata: &Metadata, redirect_uri: &str) -> Result<Client, UpstreamError> {
    let redirect = RedirectUrl::new(redirect_uri.to_owned()).map_err(|e| UpstreamError::Unreachable(e.to_string()))?;
    Ok(CoreClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(upstream.config.client_id.clone()),
        Some(ClientSecret::new(upstream.config.client_secret.expose().to_owned())),
    )
    .set_redirect_uri(redirect))
}

pub async fn begin(upstream: &Upstream, redirect_uri: &str) -> Result<Begun, UpstreamError> {
    let metadata = metadata(upstream, false).await?;
    let client = client(upstream, &metadata, redirect_uri)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request =
        client.authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random);
    // `openid` is added by the crate itself.
    for scope in upstream.config.scopes().into_iter().filter(|s| s != "openid") {
        request = request.add_scope(Scope::new(scope));
    }
    let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
    Ok(Begun {
        url: url.to_string(),
        state: state.secret().clone(),
        nonce: nonce.secret().clone(),
        verifier: verifier.secret().clone(),
    })
}

/// Whether the upstream says it sends `iss` with every answer (RFC 9207 §3).
pub async fn announces_response_iss(upstream: &Upstream) -> Result<bool, UpstreamError> {
    Ok(metadata(upstream, false).await?.additional_metadata().authorization_response_iss_parameter_supported)
}

pub async fn finish(
    upstream: &Upstream,
    redirect_uri: &str,
    code: &str,
    verifier: &str,
    nonce: &str,
) -> Result<(Identity, Tokens), UpstreamError> {
    let discovered = metadata(upstream, false).await?;
    let client = client(upstream, &discovered, redirect_uri)?;
    let exchange = client
        .exchange_code(AuthorizationCode::new(code.to_owned()))
        .map_err(|e| UpstreamError::Unreachable(format!("token endpoint: {e}")))?;
    let tokens = exchange
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_owned()))
        .request_async(&upstream.http)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(refusal) => UpstreamError::Refused(refusal.to_string()),
            other => UpstreamError::Unreachable(format!("token endpoint: {}", with_sources(&other))),
        })?;
    let id_token = tokens
        .extra_fields()
        .id_token()
        .ok_or_else(|| UpstreamError::Invalid("the token response holds no id_token".into()))?;
    let nonce = Nonce::new(nonce.to_owned());
    let checked = match id_token.claims(&client.id_token_verifier(), &nonce) {
        // Signed by a key newer than the key set read before: read it again, once.
        Err(ClaimsVerificationError::SignatureVerification(_)) => {
            let rediscovered = metadata(upstream, true).await?;
            let client = self::client(upstream, &rediscovered, redirect_uri)?;
            id_token.claims(&client.id_token_verifier(), &nonce).map(|_| ())
        }
        result => result.map(|_| ()),
    };
    checked.map_err(|e| UpstreamError::Invalid(format!("id_token: {e}")))?;
    let mut claims = payload(&id_token.to_string())?;
    if claims::misses_any(&upstream.config, &claims)
        && let Some(userinfo) = discovered.userinfo_endpoint()
    {
        let answer = http::get_json(&upstream.http, userinfo.as_str(), tokens.access_token().secret())
            .await
            .map_err(|e| UpstreamError::Unreachable(format!("userinfo: {e}")))?;
        merge_userinfo(&mut claims, answer)?;
    }
    let identity = claims::identity(&upstream.config, upstream.config.issuer(), &claims)?;
    let kept = Tokens {
        access_token: tokens.access_token().secret().clone(),
        token_type: tokens.token_type().as_ref().to_owned(),
        expires_at: tokens.expires_in().map(|ttl| crate::store::now() + ttl.as_secs() as i64),
        scope: tokens.scopes().map(|scopes| scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" ")),
    };
    Ok((identity, kept))
}

/// The claims of an id_token whose signature was checked.
fn payload(id_token: &str) -> Result<Map<String, Value>, UpstreamError> {
    let unreadable = || UpstreamError::Invalid("the id_token's claims do not read".into());
    let part = id_token.split('.').nth(1).ok_or_else(unreadable)?;
    let bytes = URL_SAFE_NO_PAD.decode(part).map_err(|_| unreadable())?;
    serde_json::from_slice(&bytes).map_err(|_| unreadable())
}

/// Adds what userinfo says and the id_token did not, when userinfo speaks of the same
/// subject (OIDC Core §5.3.2).
fn merge_userinfo(claims: &mut Map<String, Value>, userinfo: Value) -> Result<(), UpstreamError> {
    let Value::Object(userinfo) = userinfo else {
        return Err(UpstreamError::Unreachable("userinfo answered no JSON object".into()));
    };
    if userinfo.get("sub") != claims.get("sub") {
        return Err(UpstreamError::Invalid("userinfo speaks of another subject".into()));
    }
    for (name, value) in userinfo {
        claims.entry(name).or_insert(value);
    }
    Ok(())
}

/// An error with the errors that caused it, which say what actually went wrong.
fn with_sources(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
