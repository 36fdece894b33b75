//! The sign-in provider form of the admin pages: what it shows of a provider, and the
//! `[[upstreams]]` entry a submitted form describes.

use serde::Deserialize;

use crate::config::{ClaimNames, Secret, UpstreamConfig, UpstreamKind};

/// A submitted provider form, and what the form shows. Browsers leave unticked boxes out.
#[derive(Deserialize, Default)]
pub struct UpstreamFields {
    #[serde(default)]
    pub id: String,
    #[serde(default)]
    pub name: String,
    /// `oidc`, `github` or `google`; only when creating.
    #[serde(default)]
    pub kind: String,
    /// Only when creating.
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub api_url: String,
    #[serde(default)]
    pub client_id: String,
    /// Never shown back; left empty on an edit, the stored one stays.
    #[serde(default)]
    pub client_secret: String,
    /// Space-separated; empty for the kind's defaults.
    #[serde(default)]
    pub scopes: String,
    #[serde(default)]
    pub claim_username: String,
    #[serde(default)]
    pub claim_name: String,
    #[serde(default)]
    pub claim_email: String,
    pub auto_create: Option<String>,
    pub link_by_verified_email: Option<String>,
    pub trust_mfa: Option<String>,
    pub store_tokens: Option<String>,
}

fn ticked(on: bool) -> Option<String> {
    on.then(|| "on".to_owned())
}

impl UpstreamFields {
    /// An empty form: an OpenID provider with the default claims.
    pub fn new_upstream() -> UpstreamFields {
        let claims = ClaimNames::default();
        UpstreamFields {
            kind: UpstreamKind::Oidc.as_str().to_owned(),
            claim_username: claims.username,
            claim_name: claims.name,
            claim_email: claims.email,
            ..UpstreamFields::default()
        }
    }

    /// The form again after a refusal: as typed, but for the secret.
    pub fn refused(mut self) -> UpstreamFields {
        self.client_secret.clear();
        self
    }

    /// The entry the form describes. Refused: the catalogue key of what is wrong; the
    /// rest is checked as the configuration file's entries are.
    pub fn config(&self) -> Result<UpstreamConfig, &'static str> {
        let kind = UpstreamKind::parse(&self.kind).ok_or("admin-upstream-kind-unknown")?;
        let id = self.id.trim();
        // `/admin/upstreams/new` is the page that creates one.
        if id == "new" {
            return Err("admin-upstream-id-reserved");
        }
        let optional = |text: &str| Some(text.trim().to_owned()).filter(|t| !t.is_empty());
        let claim = |text: &str, default: String| optional(text).unwrap_or(default);
        let defaults = ClaimNames::default();
        Ok(UpstreamConfig {
            id: id.to_owned(),
            name: self.name.trim().to_owned(),
            kind,
            issuer: optional(&self.issuer),
            api_url: optional(&self.api_url),
            client_id: self.client_id.trim().to_owned(),
            client_secret: Secret::new(self.client_secret.trim()),
            scopes: optional(&self.scopes).map(|s| s.split_whitespace().map(str::to_owned).collect()),
            claims: ClaimNames {
                username: claim(&self.claim_username, defaults.username),
                name: claim(&self.claim_name, defaults.name),
                email: claim(&self.claim_email, defaults.email),
            },
            auto_create: self.auto_create.is_some(),
            link_by_verified_email: self.link_by_verified_email.is_some(),
            trust_mfa: self.trust_mfa.is_some(),
            store_tokens: self.store_tokens.is_some(),
        })
    }
}

impl From<&UpstreamConfig> for UpstreamFields {
    fn from(config: &UpstreamConfig) -> UpstreamFields {
        UpstreamFields {
            id: config.id.clone(),
            name: config.name.clone(),
            kind: config.kind.as_str().to_owned(),
            issuer: config.issuer.clone().unwrap_or_default(),
            api_url: config.api_url.clone().unwrap_or_default(),
            client_id: config.client_id.clone(),
            client_secret: String::new(),
            scopes: config.scopes.as_ref().map(|s| s.join(" ")).unwrap_or_default(),
            claim_username: config.claims.username.clone(),
            claim_name: config.claims.name.clone(),
            claim_email: config.claims.email.clone(),
            auto_create: ticked(config.auto_create),
            link_by_verified_email: ticked(config.link_by_verified_email),
            trust_mfa: ticked(config.trust_mfa),
            store_tokens: ticked(config.store_tokens),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_form_reads_as_an_entry_and_back() {
        let form = UpstreamFields {
            id: " corp ".into(),
            name: "Corp SSO".into(),
            issuer: "https://sso.example.org".into(),
            client_id: "mana".into(),
            client_secret: "s3cret".into(),
            scopes: "openid  email\nprofile groups".into(),
            claim_username: String::new(),
            trust_mfa: Some("on".into()),
            ..UpstreamFields::new_upstream()
        };
        let config = form.config().expect("an entry");
        assert_eq!(
            (config.id.as_str(), config.kind, config.issuer.as_deref()),
            ("corp", UpstreamKind::Oidc, Some("https://sso.example.org"))
        );
        assert_eq!(
            config.scopes.as_deref(),
            Some(["openid", "email", "profile", "groups"].map(String::from).as_slice())
        );
        assert_eq!(config.claims.username, "preferred_username", "an empty claim is the default");
        assert!(config.trust_mfa && !config.auto_create && !config.store_tokens);
        assert!(crate::config::validate_upstream(&config).is_ok());

        let shown = UpstreamFields::from(&config);
        assert_eq!((shown.scopes.as_str(), shown.client_secret.as_str()), ("openid email profile groups", ""));
        assert!(shown.trust_mfa.is_some() && shown.auto_create.is_none());
        assert!(form.refused().client_secret.is_empty(), "a refused form does not show the secret again");
    }

    #[test]
    fn unknown_kinds_and_the_reserved_id_are_refused() {
        let saml = UpstreamFields { kind: "saml".into(), ..UpstreamFields::new_upstream() };
        assert_eq!(saml.config().err(), Some("admin-upstream-kind-unknown"));
        let new = UpstreamFields { id: "new".into(), ..UpstreamFields::new_upstream() };
        assert_eq!(new.config().err(), Some("admin-upstream-id-reserved"));
        let unset = UpstreamFields { kind: "github".into(), ..UpstreamFields::default() }.config().expect("entry");
        assert_eq!((unset.issuer, unset.api_url, unset.scopes), (None, None, None), "empty fields are unset");
    }
}
