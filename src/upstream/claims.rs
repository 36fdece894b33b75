//! Who signed in, as the upstream says it: the subject, and the username, name and
//! email address read from the claims `[upstreams.claims]` names.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::UpstreamError;
use crate::config::UpstreamConfig;

/// What an upstream vouches for about the person who signed in there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    /// Whether the upstream says the address is the person's (`email_verified`).
    pub email_verified: bool,
    pub username: Option<String>,
    pub name: Option<String>,
    /// Whether the upstream says it used more than one factor (its `amr` or `acr`).
    pub mfa: bool,
}

/// `acr` values that name a sign-in with more than one factor: ours, and the
/// multi-factor policy of OpenID PAPE that providers send.
const MFA_ACRS: [&str; 2] = ["mfa", "http://schemas.openid.net/pape/policies/2007/06/multi-factor"];

/// The longest value taken from a claim; a longer one is left out.
const MAX_CLAIM_LEN: usize = 254;

/// Whether a claim the mapping reads is missing, so userinfo is worth asking.
pub fn misses_any(config: &UpstreamConfig, claims: &Map<String, Value>) -> bool {
    let names = &config.claims;
    [&names.email, &names.username, &names.name].iter().any(|name| !claims.contains_key(name.as_str()))
}

pub fn identity(config: &UpstreamConfig, issuer: &str, claims: &Map<String, Value>) -> Result<Identity, UpstreamError> {
    let subject = match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() && sub.len() <= 255 => sub.clone(),
        _ => return Err(UpstreamError::Invalid("no subject".into())),
    };
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.chars().count() <= MAX_CLAIM_LEN && !v.chars().any(char::is_control))
            .map(str::to_owned)
    };
    // Some providers send booleans as strings.
    let verified = matches!(claims.get("email_verified"), Some(Value::Bool(true)))
        || matches!(claims.get("email_verified"), Some(Value::String(s)) if s == "true");
    let amr_mfa = claims.get("amr").and_then(Value::as_array).is_some_and(|amr| amr.iter().any(|m| m == "mfa"));
    let acr_mfa = claims.get("acr").and_then(Value::as_str).is_some_and(|acr| MFA_ACRS.contains(&acr));
    Ok(Identity {
        issuer: issuer.to_owned(),
        subject,
        email: text(&config.claims.email),
        email_verified: verified,
        username: text(&config.claims.username),
        name: text(&config.claims.name),
        mfa: amr_mfa || acr_mfa,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::config::{ClaimNames, Secret, UpstreamKind};

    fn config(claims: ClaimNames) -> UpstreamConfig {
        UpstreamConfig {
            id: "idp".into(),
            name: "IdP".into(),
            kind: UpstreamKind::Oidc,
            issuer: Some("https://idp.example".into()),
            api_url: None,
            client_id: "c".into(),
            client_secret: Secret::new("s"),
            scopes: None,
            claims,
            auto_create: false,
            link_by_verified_email: false,
            trust_mfa: false,
            store_tokens: false,
        }
    }

    fn read(claims: Value, names: ClaimNames) -> Result<Identity, UpstreamError> {
        let Value::Object(claims) = claims else { panic!("an object") };
        identity(&config(names), "https://idp.example", &claims)
    }

    #[test]
    fn the_mapped_claims_are_read_and_bad_values_left_out() {
        let claims = json!({"sub": "42", "email": " Ada@Example.org ", "email_verified": "true",
            "nick": "ada", "name": "Ada\u{0}Lovelace", "amr": ["pwd", "otp", "mfa"]});
        let names = ClaimNames { username: "nick".into(), ..ClaimNames::default() };
        let read = read(claims, names).expect("identity");
        assert_eq!(read.subject, "42");
        assert_eq!(read.email.as_deref(), Some("Ada@Example.org"));
        assert!(read.email_verified && read.mfa);
        assert_eq!(read.username.as_deref(), Some("ada"));
        assert_eq!(read.name, None, "a control character is refused");
    }

    #[test]
    fn a_missing_subject_or_a_false_verification_says_so() {
        assert!(read(json!({"email": "a@b.c"}), ClaimNames::default()).is_err());
        assert!(read(json!({"sub": ""}), ClaimNames::default()).is_err());
        let read = read(json!({"sub": "1", "email_verified": false, "acr": "mfa"}), ClaimNames::default());
        let read = read.expect("identity");
        assert!(!read.email_verified);
        assert!(read.mfa, "acr mfa");
        let pape = json!({"sub": "1", "acr": "http://schemas.openid.net/pape/policies/2007/06/multi-factor"});
        assert!(self::read(pape, ClaimNames::default()).expect("identity").mfa);
        assert!(!self::read(json!({"sub": "1", "amr": ["pwd"]}), ClaimNames::default()).expect("identity").mfa);
    }
}
