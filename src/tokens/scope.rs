//! Scopes (RFC 6749 §3.3) and the claims each one releases (OIDC Core §5.4).

pub const SUPPORTED: [&str; 9] = [
    "openid",
    "profile",
    "email",
    "offline_access",
    "account",
    "account:write",
    "organizations",
    "credits",
    "upstream_tokens",
];

/// The scopes that open the native `/api/v1` to a relying party's access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiScope {
    /// Read the account: profile, sessions, security events.
    Account,
    /// Change the account: profile, password, sessions, sign-out.
    AccountWrite,
    /// The user's organizations and their members.
    Organizations,
    /// The credits ledger.
    Credits,
    /// The access tokens of the other providers the account signs in with, where they
    /// are kept (`store_tokens`).
    UpstreamTokens,
}

impl ApiScope {
    pub const fn name(self) -> &'static str {
        match self {
            ApiScope::Account => "account",
            ApiScope::AccountWrite => "account:write",
            ApiScope::Organizations => "organizations",
            ApiScope::Credits => "credits",
            ApiScope::UpstreamTokens => "upstream_tokens",
        }
    }

    /// Whether a token granted the space-separated `scope` meets this need; the right
    /// to change the account includes the right to read it.
    pub fn granted_by(self, scope: &str) -> bool {
        scope.split(' ').any(|granted| {
            granted == self.name() || (self == ApiScope::Account && granted == ApiScope::AccountWrite.name())
        })
    }
}

/// A validated, de-duplicated list of supported scope names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope(Vec<String>);

impl Scope {
    /// Parses a space-separated scope string; unknown names are refused (`invalid_scope`).
    pub fn parse(raw: &str) -> Result<Scope, String> {
        let mut names: Vec<String> = Vec::new();
        for name in raw.split(' ').filter(|s| !s.is_empty()) {
            if !SUPPORTED.contains(&name) {
                return Err(format!("unsupported scope `{name}`"));
            }
            if !names.iter().any(|n| n == name) {
                names.push(name.to_owned());
            }
        }
        Ok(Scope(names))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == name)
    }

    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }

    /// Whether every scope here was also granted in `granted`.
    pub fn within(&self, granted: &Scope) -> bool {
        self.0.iter().all(|n| granted.contains(n))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Only the names `allowed` lists: what a resource server accepts of this scope.
    pub fn restricted_to(&self, allowed: &[String]) -> Scope {
        Scope(self.0.iter().filter(|n| allowed.contains(n)).cloned().collect())
    }
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::Scope;

    #[test]
    fn parses_and_deduplicates() {
        let scope = Scope::parse("openid  email openid").expect("valid");
        assert_eq!(scope.to_string(), "openid email");
        assert!(Scope::parse("openid admin").is_err());
    }

    #[test]
    fn api_scopes_are_granted_by_their_name_and_writing_includes_reading() {
        use super::ApiScope;
        assert!(ApiScope::Credits.granted_by("openid credits"));
        assert!(!ApiScope::Credits.granted_by("openid credits:x account"));
        assert!(ApiScope::Account.granted_by("openid account:write"));
        assert!(!ApiScope::AccountWrite.granted_by("openid account"));
        assert!(!ApiScope::Organizations.granted_by("openid profile email"));
    }

    #[test]
    fn narrower_scope_is_within_wider() {
        let wide = Scope::parse("openid email profile").expect("valid");
        assert!(Scope::parse("email").expect("valid").within(&wide));
        assert!(!Scope::parse("offline_access").expect("valid").within(&wide));
    }
}
