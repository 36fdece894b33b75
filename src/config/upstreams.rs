//! Other identity providers people may sign in with (`[[upstreams]]`): any OpenID
//! Connect provider by its issuer, GitHub, and Google.

use std::collections::HashSet;

use serde::Deserialize;
use url::Url;

use super::{ConfigError, Secret, invalid};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamConfig {
    /// Its part of the paths: `/login/upstream/{id}` and the redirect URI to register
    /// there, `{issuer}/login/upstream/{id}/callback`.
    pub id: String,
    /// Shown on its button: "Sign in with {name}".
    pub name: String,
    pub kind: UpstreamKind,
    /// `oidc`: the issuer, found by discovery. `google`: `https://accounts.google.com`
    /// when unset. `github`: GitHub's web address, `https://github.com` when unset.
    pub issuer: Option<String>,
    /// `github` only: its REST API, `https://api.github.com` when unset.
    pub api_url: Option<String>,
    pub client_id: String,
    pub client_secret: Secret,
    /// What to ask for; unset: `openid email profile`, or `read:user user:email` for GitHub.
    pub scopes: Option<Vec<String>>,
    #[serde(default)]
    pub claims: ClaimNames,
    /// Creates an account at the first sign-in of someone the upstream vouches for by a
    /// verified email address no account has.
    #[serde(default)]
    pub auto_create: bool,
    /// Links an identity with a verified email address to the account with that
    /// address, when that account's address is confirmed too. Otherwise the person
    /// signs in with their password once to link.
    #[serde(default)]
    pub link_by_verified_email: bool,
    /// Counts the upstream's second factor (its `amr` or `acr` says MFA) as ours.
    #[serde(default)]
    pub trust_mfa: bool,
    /// Keeps the upstream's access token, sealed with the secrets key (as TOTP secrets
    /// are), for the person's applications granted `upstream_tokens`. Its refresh token
    /// and id_token are never kept.
    #[serde(default)]
    pub store_tokens: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UpstreamKind {
    Oidc,
    Github,
    Google,
}

impl UpstreamKind {
    pub const ALL: [UpstreamKind; 3] = [UpstreamKind::Oidc, UpstreamKind::Github, UpstreamKind::Google];

    /// Its name in the configuration file.
    pub fn as_str(self) -> &'static str {
        match self {
            UpstreamKind::Oidc => "oidc",
            UpstreamKind::Github => "github",
            UpstreamKind::Google => "google",
        }
    }

    pub fn parse(name: &str) -> Option<UpstreamKind> {
        UpstreamKind::ALL.into_iter().find(|kind| kind.as_str() == name)
    }
}

/// The claims a person's username, name and email address are read from.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClaimNames {
    pub username: String,
    pub name: String,
    pub email: String,
}

impl Default for ClaimNames {
    fn default() -> Self {
        ClaimNames { username: "preferred_username".into(), name: "name".into(), email: "email".into() }
    }
}

pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
pub const GITHUB_URL: &str = "https://github.com";
pub const GITHUB_API_URL: &str = "https://api.github.com";

impl UpstreamConfig {
    /// The issuer its identities are recorded under (GitHub's web address for GitHub).
    pub fn issuer(&self) -> &str {
        let default = match self.kind {
            UpstreamKind::Oidc => "",
            UpstreamKind::Google => GOOGLE_ISSUER,
            UpstreamKind::Github => GITHUB_URL,
        };
        self.issuer.as_deref().unwrap_or(default)
    }

    pub fn scopes(&self) -> Vec<String> {
        let default: &[&str] = match self.kind {
            UpstreamKind::Github => &["read:user", "user:email"],
            UpstreamKind::Oidc | UpstreamKind::Google => &["openid", "email", "profile"],
        };
        self.scopes.clone().unwrap_or_else(|| default.iter().map(|s| (*s).to_owned()).collect())
    }
}

pub fn validate_upstreams(upstreams: &[UpstreamConfig]) -> Result<(), ConfigError> {
    let mut seen = HashSet::new();
    for (i, upstream) in upstreams.iter().enumerate() {
        validate_upstream(upstream).map_err(|(field, problem)| invalid(format!("upstreams[{i}].{field}"), problem))?;
        if !seen.insert(upstream.id.as_str()) {
            return Err(invalid(format!("upstreams[{i}].id"), format!("duplicate upstream id `{}`", upstream.id)));
        }
    }
    Ok(())
}

/// Checks one entry, of the file or of the admin pages: refused, the key at fault and
/// what is wrong with it.
pub fn validate_upstream(upstream: &UpstreamConfig) -> Result<(), (&'static str, String)> {
    let problem = |field, text: &str| Err((field, text.to_owned()));
    let id_ok = (1..=64).contains(&upstream.id.len())
        && upstream.id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !id_ok {
        return problem("id", "must be 1 to 64 of a-z, 0-9, - and _");
    }
    for (field, value) in [("name", &upstream.name), ("client_id", &upstream.client_id)] {
        if value.trim().is_empty() {
            return problem(field, "must not be empty");
        }
        if value.chars().any(char::is_control) {
            return problem(field, "must have no control characters");
        }
    }
    if upstream.name.chars().count() > 100 {
        return problem("name", "must be at most 100 characters");
    }
    if upstream.client_secret.expose().is_empty() {
        return problem("client_secret", "must not be empty");
    }
    if upstream.kind == UpstreamKind::Oidc && upstream.issuer.is_none() {
        return problem("issuer", "is needed for kind = \"oidc\"");
    }
    check_url(upstream.issuer()).map_err(|p| ("issuer", p))?;
    match (upstream.kind, &upstream.api_url) {
        (UpstreamKind::Github, Some(api)) => check_url(api).map_err(|p| ("api_url", p))?,
        (UpstreamKind::Github, None) => {}
        (_, Some(_)) => return problem("api_url", "is for kind = \"github\" only"),
        (_, None) => {}
    }
    let scopes = upstream.scopes();
    if upstream.kind != UpstreamKind::Github && !scopes.iter().any(|s| s == "openid") {
        return problem("scopes", "must include `openid`");
    }
    if scopes.iter().any(|s| s.is_empty() || s.contains(char::is_whitespace)) {
        return problem("scopes", "each scope is one word");
    }
    let claims = &upstream.claims;
    for (field, claim) in
        [("claims.username", &claims.username), ("claims.name", &claims.name), ("claims.email", &claims.email)]
    {
        if claim.trim().is_empty() {
            return problem(field, "must name a claim");
        }
    }
    Ok(())
}

/// An upstream's address: https, or http on a loopback address (a provider on the
/// same machine, in development and tests).
fn check_url(value: &str) -> Result<(), String> {
    let url = Url::parse(value).map_err(|e| format!("`{value}` is not an absolute URL: {e}"))?;
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name == "localhost",
        None => false,
    };
    match url.scheme() {
        "https" => {}
        "http" if loopback => {}
        _ => return Err(format!("`{value}` must be https (http only on a loopback address)")),
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("`{value}` must have no query or fragment"));
    }
    Ok(())
}

#[cfg(test)]
impl UpstreamConfig {
    /// A valid entry with every setting off, for tests.
    pub fn example(id: &str, kind: UpstreamKind) -> UpstreamConfig {
        UpstreamConfig {
            id: id.into(),
            name: "Provider".into(),
            kind,
            issuer: (kind == UpstreamKind::Oidc).then(|| "https://sso.example.org/realms/staff".to_owned()),
            api_url: None,
            client_id: "mana".into(),
            client_secret: Secret::new("s3cret"),
            scopes: None,
            claims: ClaimNames::default(),
            auto_create: false,
            link_by_verified_email: false,
            trust_mfa: false,
            store_tokens: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    fn problem(upstreams: Vec<UpstreamConfig>) -> String {
        validate_upstreams(&upstreams).expect_err("must be refused").to_string()
    }

    #[test]
    fn each_kind_has_its_defaults() {
        let github = UpstreamConfig::example("gh", UpstreamKind::Github);
        assert_eq!((github.issuer(), github.scopes()), (GITHUB_URL, vec!["read:user".into(), "user:email".into()]));
        let google = UpstreamConfig::example("g", UpstreamKind::Google);
        assert_eq!(google.issuer(), GOOGLE_ISSUER);
        assert_eq!(google.scopes(), ["openid", "email", "profile"]);
        assert!(validate_upstreams(&[github, google, UpstreamConfig::example("sso", UpstreamKind::Oidc)]).is_ok());
    }

    #[test]
    fn bad_entries_are_refused_naming_the_key() {
        let mut bad_id = UpstreamConfig::example("Bad Id", UpstreamKind::Github);
        assert!(problem(vec![bad_id.clone()]).contains("upstreams[0].id"));
        bad_id.id = "ok".into();
        let msg = problem(vec![bad_id.clone(), bad_id]);
        assert!(msg.contains("upstreams[1].id") && msg.contains("duplicate"), "{msg}");
        let mut no_issuer = UpstreamConfig::example("sso", UpstreamKind::Oidc);
        no_issuer.issuer = None;
        assert!(problem(vec![no_issuer]).contains("upstreams[0].issuer"));
        for issuer in ["http://sso.example.org", "https://sso.example.org/?x=1", "not a url"] {
            let mut plain = UpstreamConfig::example("sso", UpstreamKind::Oidc);
            plain.issuer = Some(issuer.into());
            assert!(problem(vec![plain]).contains("upstreams[0].issuer"), "{issuer}");
        }
        let mut loopback = UpstreamConfig::example("sso", UpstreamKind::Oidc);
        loopback.issuer = Some("http://127.0.0.2:8080".into());
        assert!(validate_upstreams(&[loopback]).is_ok(), "http on a loopback address");
        let mut no_openid = UpstreamConfig::example("sso", UpstreamKind::Oidc);
        no_openid.scopes = Some(vec!["email".into()]);
        assert!(problem(vec![no_openid]).contains("openid"));
        let mut api_for_oidc = UpstreamConfig::example("sso", UpstreamKind::Oidc);
        api_for_oidc.api_url = Some("https://api.example.org".into());
        assert!(problem(vec![api_for_oidc]).contains("upstreams[0].api_url"));
        let mut control = UpstreamConfig::example("gh", UpstreamKind::Github);
        control.name = "Git\nHub".into();
        assert!(problem(vec![control.clone()]).contains("upstreams[0].name"));
        control.name = "G".repeat(101);
        assert!(problem(vec![control]).contains("at most 100"));
        let mut empty_secret = UpstreamConfig::example("gh", UpstreamKind::Github);
        empty_secret.client_secret = Secret::new("");
        assert!(problem(vec![empty_secret]).contains("client_secret"));
    }

    #[test]
    fn an_entry_reads_from_toml_and_its_secret_never_prints() {
        let mut config = Config::load(None).expect("defaults");
        config.upstreams = vec![UpstreamConfig::example("gh", UpstreamKind::Github)];
        assert!(config.validate().is_ok());
        assert!(!format!("{:?}", config.upstreams).contains("s3cret"));
        let parsed: UpstreamConfig = toml_entry(
            r#"id = "g"
            name = "Google"
            kind = "google"
            client_id = "c"
            client_secret = "s"
            claims = { username = "nickname" }"#,
        );
        assert_eq!((parsed.claims.username.as_str(), parsed.claims.email.as_str()), ("nickname", "email"));
        let flags = [parsed.auto_create, parsed.link_by_verified_email, parsed.trust_mfa, parsed.store_tokens];
        assert_eq!(flags, [false; 4], "off unless set");
    }

    fn toml_entry(text: &str) -> UpstreamConfig {
        config::Config::builder()
            .add_source(config::File::from_str(text, config::FileFormat::Toml))
            .build()
            .and_then(config::Config::try_deserialize)
            .expect("parses")
    }
}
