//! Checking a loaded configuration whole, so that a bad setting stops start-up with
//! one line naming its key.

use std::collections::HashSet;

use url::Url;

use super::{Config, ConfigError, clients::validate_origin, invalid, schedule, validate_client};

impl Config {
    pub fn validate(&self) -> Result<(), ConfigError> {
        let issuer = Url::parse(&self.issuer).map_err(|e| invalid("issuer", format!("not an absolute URL: {e}")))?;
        if !matches!(issuer.scheme(), "http" | "https") || issuer.query().is_some() || issuer.fragment().is_some() {
            return Err(invalid("issuer", "must be an http(s) URL without query or fragment"));
        }
        for (key, ttl) in [
            ("tokens.access_token_ttl_secs", self.tokens.access_token_ttl_secs),
            ("tokens.id_token_ttl_secs", self.tokens.id_token_ttl_secs),
            ("tokens.refresh_token_ttl_secs", self.tokens.refresh_token_ttl_secs),
            ("tokens.authorization_code_ttl_secs", self.tokens.authorization_code_ttl_secs),
        ] {
            if ttl <= 0 {
                return Err(invalid(key, "must be a positive number of seconds"));
            }
        }
        if self.sessions.idle_ttl_secs < 300 {
            return Err(invalid("sessions.idle_ttl_secs", "must be at least 300 seconds"));
        }
        if self.sessions.max_ttl_secs < self.sessions.idle_ttl_secs {
            return Err(invalid("sessions.max_ttl_secs", "must be at least sessions.idle_ttl_secs"));
        }
        for (key, secs) in [
            ("database.connect_timeout_secs", self.database.connect_timeout_secs),
            ("database.statement_timeout_secs", self.database.statement_timeout_secs),
        ] {
            if !(1..=300).contains(&secs) {
                return Err(invalid(key, "must be from 1 to 300 seconds"));
            }
        }
        if !(1..=300).contains(&self.server.header_read_timeout_secs) {
            return Err(invalid("server.header_read_timeout_secs", "must be from 1 to 300"));
        }
        if self.database.max_connections == 0 {
            return Err(invalid("database.max_connections", "must be at least 1"));
        }
        let postgres = |url: &str| url.starts_with("postgres://") || url.starts_with("postgresql://");
        if let Some(replica) = &self.database.read_replica_url
            && (!postgres(self.database.url.expose()) || !postgres(replica.expose()))
        {
            return Err(invalid("database.read_replica_url", "a PostgreSQL replica of a PostgreSQL database.url"));
        }
        let mut seen = HashSet::new();
        for (i, client) in self.clients.iter().enumerate() {
            let key = format!("clients[{i}]");
            if !seen.insert(client.id.as_str()) {
                return Err(invalid(format!("{key}.id"), format!("duplicate client id `{}`", client.id)));
            }
            validate_client(&key, client)?;
        }
        self.validate_resources()?;
        super::upstreams::validate_upstreams(&self.upstreams)?;
        if self.api.client_id.trim().is_empty() || seen.contains(self.api.client_id.as_str()) {
            return Err(invalid("api.client_id", "must be set and differ from every declared client id"));
        }
        self.validate_credits()?;
        crate::i18n::Languages::built_in(&self.i18n.default_language)
            .map_err(|e| invalid("i18n.default_language", e.to_string()))?;
        if self.keys.rotate_after_days < 1 || self.keys.prepublish_hours < 0 {
            return Err(invalid("keys.rotate_after_days", "must be at least 1, with prepublish_hours not negative"));
        }
        if self.keys.prepublish_hours >= self.keys.rotate_after_days * 24 {
            return Err(invalid("keys.prepublish_hours", "must be shorter than rotate_after_days"));
        }
        if !(1..=60).contains(&self.keys.reload_secs) {
            return Err(invalid("keys.reload_secs", "must be from 1 to 60"));
        }
        if self.tokens.api_audience.as_deref().is_some_and(|aud| aud.trim().is_empty()) {
            return Err(invalid("tokens.api_audience", "must not be empty; leave it out for the issuer"));
        }
        if self.tokens.refresh_retry_secs > 300 {
            return Err(invalid("tokens.refresh_retry_secs", "must be at most 300"));
        }
        for (key, secs) in
            [("cache.clients_secs", self.cache.clients_secs), ("cache.upstreams_secs", self.cache.upstreams_secs)]
        {
            if secs > 300 {
                return Err(invalid(key, "must be at most 300"));
            }
        }
        if self.cache.access_tokens > 1_000_000 {
            return Err(invalid("cache.access_tokens", "must be at most 1000000"));
        }
        if let Some(schedule) = self.backup.schedule() {
            schedule::parse(schedule).map_err(|e| invalid("backup.schedule", e))?;
        }
        for origin in &self.api.cors_origins {
            validate_origin(origin).map_err(|p| invalid("api.cors_origins", format!("`{origin}`: {p}")))?;
        }
        self.validate_metrics()?;
        self.notify.validate()?;
        // Passkeys may be off; only a wrong webauthn setting stops start-up.
        let _ = self.relying_party()?;
        self.validate_security()
    }

    fn validate_metrics(&self) -> Result<(), ConfigError> {
        if self.metrics.bind.0 == Some(self.server.bind) {
            return Err(invalid("metrics.bind", "must differ from server.bind (or be empty)"));
        }
        // RFC 6750 §2.1: a bearer token is one word of visible characters.
        let usable = |token: &str| token.len() >= 32 && token.bytes().all(|b| b.is_ascii_graphic());
        if self.metrics.token.as_ref().is_some_and(|token| !usable(token.expose())) {
            return Err(invalid("metrics.token", "must be at least 32 visible ASCII characters, no spaces (or unset)"));
        }
        Ok(())
    }

    fn validate_resources(&self) -> Result<(), ConfigError> {
        let mut seen = HashSet::new();
        for (i, resource) in self.resources.iter().enumerate() {
            let key = format!("resources[{i}]");
            let uri = Url::parse(&resource.identifier)
                .map_err(|e| invalid(format!("{key}.identifier"), format!("not an absolute URI: {e}")))?;
            if uri.fragment().is_some() || resource.identifier == self.issuer {
                return Err(invalid(format!("{key}.identifier"), "must have no fragment and differ from the issuer"));
            }
            if !seen.insert(resource.identifier.as_str()) {
                return Err(invalid(format!("{key}.identifier"), "is declared twice"));
            }
            if resource.scopes.is_empty()
                || resource.scopes.iter().any(|s| !crate::tokens::scope::SUPPORTED.contains(&s.as_str()))
            {
                return Err(invalid(format!("{key}.scopes"), "must name supported scopes, at least one"));
            }
        }
        for (i, client) in self.clients.iter().enumerate() {
            if let Some(unknown) = client.resources.iter().flatten().find(|r| !seen.contains(r.as_str())) {
                return Err(invalid(
                    format!("clients[{i}].resources"),
                    format!("`{unknown}` is not a declared resource"),
                ));
            }
        }
        Ok(())
    }

    fn validate_credits(&self) -> Result<(), ConfigError> {
        let credits = &self.credits;
        if credits.signup_bonus < 0 || credits.daily_free < 0 {
            return Err(invalid("credits", "signup_bonus and daily_free must not be negative"));
        }
        if credits.idempotency_ttl_secs < 86_400 {
            return Err(invalid("credits.idempotency_ttl_secs", "must be at least 86400 (24 h)"));
        }
        let api_base = Url::parse(&credits.stripe_api_base)
            .map_err(|e| invalid("credits.stripe_api_base", format!("not an absolute URL: {e}")))?;
        if !matches!(api_base.scheme(), "http" | "https") || api_base.path().trim_end_matches('/').ends_with("/v1") {
            return Err(invalid("credits.stripe_api_base", "must be an http(s) URL without /v1"));
        }
        let mut ids = HashSet::new();
        for (i, package) in credits.packages.iter().enumerate() {
            let key = format!("credits.packages[{i}]");
            if !ids.insert(package.id.as_str()) || package.id.is_empty() {
                return Err(invalid(format!("{key}.id"), "must be present and unique"));
            }
            if package.credits <= 0 || package.price_cents <= 0 {
                return Err(invalid(key, "credits and price_cents must be positive"));
            }
            if package.currency.len() != 3 || !package.currency.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(invalid(format!("{key}.currency"), "must be a three-letter ISO 4217 code"));
            }
        }
        Ok(())
    }
}
