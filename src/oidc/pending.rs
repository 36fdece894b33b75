//! An authorization request waiting for sign-in or consent. The browser carries it as
//! the `req` of the hosted pages, signed by the provider's current key and valid for
//! minutes, so an anonymous visitor's request is stored nowhere. What the browser did
//! since (signed in, consented) is bound to the sign-in session that did it: a request
//! taken to another browser does not carry that over.

use serde::{Deserialize, Serialize};

use crate::{
    config::SigningAlg,
    keys::{KeyError, KeySet, keyset::Expect},
    store::now,
};

/// How long a visitor has to sign in and consent.
pub const TTL_SECS: i64 = 900;

/// The `typ` of the token: no other token of this provider carries it.
const TYP: &str = "authz-pending+jwt";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_challenge: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_age: Option<i64>,
    /// The `prompt` values asked for (OIDC Core §3.1.2.1).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prompt: Vec<String>,
    /// `acr_values` named `mfa`: a session without a second factor is not enough.
    #[serde(default)]
    pub wants_mfa: bool,
    /// The email the client suggests, to fill in on the sign-in page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login_hint: Option<String>,
    /// The session that signed in for this request (satisfies `prompt=login`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_in: Option<String>,
    /// The session that approved the consent page for this request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consented: Option<String>,
    /// The user code of a device's request (RFC 8628), which has no redirect URI: the
    /// decision is recorded for the device instead of sent back to a client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The resource its access tokens are for (RFC 8707).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The DPoP key that must redeem the code, by thumbprint (RFC 9449 §10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dpop_jkt: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Claims {
    iss: String,
    /// The client the request is for.
    sub: String,
    aud: String,
    iat: i64,
    exp: i64,
    #[serde(flatten)]
    request: PendingAuthorization,
}

impl PendingAuthorization {
    /// Whether `sid` signed in for this request.
    pub fn fresh_login_by(&self, sid: &str) -> bool {
        self.signed_in.as_deref() == Some(sid)
    }

    /// Whether `sid` approved the consent page for this request.
    pub fn consent_given_by(&self, sid: &str) -> bool {
        self.consented.as_deref() == Some(sid)
    }

    /// The `req` that carries this request to the next page.
    pub fn seal(&self, keys: &KeySet, issuer: &str) -> Result<String, KeyError> {
        let iat = now();
        let claims = Claims {
            iss: issuer.to_owned(),
            sub: self.client_id.clone(),
            aud: issuer.to_owned(),
            iat,
            exp: iat + TTL_SECS,
            request: self.clone(),
        };
        keys.signer(SigningAlg::EdDSA)?.sign(TYP, &claims)
    }

    /// The request `req` carries, if this provider signed it and it has not expired.
    pub fn open(keys: &KeySet, issuer: &str, req: &str) -> Option<PendingAuthorization> {
        let expect = Expect { typ: TYP, algs: &[SigningAlg::EdDSA], audiences: &[issuer], check_exp: true };
        keys.verify::<Claims>(req, issuer, &expect).ok().map(|v| v.claims.request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{keys::vault::Vault, store::db};

    async fn key_set() -> KeySet {
        KeySet::load_or_create(&db::in_memory().await, &Vault::new(None).expect("vault")).await.expect("keys")
    }

    fn request() -> PendingAuthorization {
        PendingAuthorization {
            client_id: "app".into(),
            redirect_uri: "https://app.example/cb".into(),
            scope: "openid".into(),
            state: Some("s".into()),
            nonce: None,
            code_challenge: None,
            max_age: Some(0),
            prompt: vec!["login".into()],
            wants_mfa: false,
            login_hint: None,
            signed_in: Some("sid-1".into()),
            consented: None,
            device: None,
            resource: None,
            dpop_jkt: None,
        }
    }

    #[tokio::test]
    async fn a_request_opens_only_with_the_key_and_issuer_that_sealed_it() {
        let (keys, other) = (key_set().await, key_set().await);
        let sealed = request().seal(&keys, "https://id.example").expect("sealed");
        assert_eq!(PendingAuthorization::open(&keys, "https://id.example", &sealed), Some(request()));
        assert_eq!(PendingAuthorization::open(&other, "https://id.example", &sealed), None);
        assert_eq!(PendingAuthorization::open(&keys, "https://other.example", &sealed), None);
        let (head, rest) = sealed.split_once('.').expect("header");
        let (_, signature) = rest.split_once('.').expect("payload");
        let mut forged = request();
        forged.consented = Some("sid-1".into());
        let forged_payload = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            serde_json::to_vec(&serde_json::json!({"iss": "https://id.example", "sub": "app",
                "aud": "https://id.example", "iat": now(), "exp": now() + 60, "client_id": "app",
                "redirect_uri": "https://app.example/cb", "scope": "openid", "consented": "sid-1"}))
            .expect("json"),
        );
        assert_eq!(
            PendingAuthorization::open(&keys, "https://id.example", &format!("{head}.{forged_payload}.{signature}")),
            None
        );
        assert_eq!(PendingAuthorization::open(&keys, "https://id.example", "not a token"), None);
    }

    #[tokio::test]
    async fn an_expired_request_does_not_open() {
        let keys = key_set().await;
        let issued = now() - TTL_SECS - 60;
        let claims = Claims {
            iss: "https://id.example".into(),
            sub: "app".into(),
            aud: "https://id.example".into(),
            iat: issued,
            exp: issued + TTL_SECS,
            request: request(),
        };
        let sealed = keys.signer(SigningAlg::EdDSA).expect("signer").sign(TYP, &claims).expect("signed");
        assert_eq!(PendingAuthorization::open(&keys, "https://id.example", &sealed), None);
    }

    #[test]
    fn what_the_browser_did_counts_only_for_the_session_that_did_it() {
        let pending = request();
        assert!(pending.fresh_login_by("sid-1"));
        assert!(!pending.fresh_login_by("sid-2"));
        assert!(!pending.consent_given_by("sid-1"));
    }
}
