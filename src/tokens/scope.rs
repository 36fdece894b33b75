//! Scopes (RFC 6749 §3.3) and the claims each one releases (OIDC Core §5.4).

pub const SUPPORTED: [&str; 5] = ["openid", "profile", "email", "offline_access", "credits"];

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
    fn narrower_scope_is_within_wider() {
        let wide = Scope::parse("openid email profile").expect("valid");
        assert!(Scope::parse("email").expect("valid").within(&wide));
        assert!(!Scope::parse("offline_access").expect("valid").within(&wide));
    }
}
