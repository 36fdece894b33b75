//! Sign-in providers added on the admin pages, as rows: the settings of an
//! `[[upstreams]]` entry, with the client secret sealed with the secrets key and bound
//! to the provider's id, so a copied database holds no usable secret.

use entity::upstreams;

use crate::{
    config::{ClaimNames, Secret, UpstreamConfig, UpstreamKind},
    security::sealing::Sealer,
};

fn context(id: &str) -> Vec<u8> {
    format!("upstream-client-secret:{id}").into_bytes()
}

/// The row of `config`, its secret sealed; `created_at` and `updated_at` are `now`.
pub fn to_row(config: &UpstreamConfig, sealer: &Sealer, now: i64) -> upstreams::Model {
    upstreams::Model {
        id: config.id.clone(),
        name: config.name.clone(),
        kind: config.kind.as_str().to_owned(),
        issuer: config.issuer.clone(),
        api_url: config.api_url.clone(),
        client_id: config.client_id.clone(),
        client_secret: sealer.seal(config.client_secret.expose().as_bytes(), &context(&config.id)),
        scopes: config.scopes.as_ref().map(|scopes| scopes.join(" ")),
        claim_username: config.claims.username.clone(),
        claim_name: config.claims.name.clone(),
        claim_email: config.claims.email.clone(),
        auto_create: config.auto_create,
        link_by_verified_email: config.link_by_verified_email,
        trust_mfa: config.trust_mfa,
        store_tokens: config.store_tokens,
        created_at: now,
        updated_at: now,
    }
}

/// The settings a row holds, with an empty client secret: what the admin pages show.
pub fn settings(row: &upstreams::Model) -> Result<UpstreamConfig, String> {
    Ok(UpstreamConfig {
        id: row.id.clone(),
        name: row.name.clone(),
        kind: UpstreamKind::parse(&row.kind).ok_or_else(|| format!("unknown kind `{}`", row.kind))?,
        issuer: row.issuer.clone(),
        api_url: row.api_url.clone(),
        client_id: row.client_id.clone(),
        client_secret: Secret::new(""),
        scopes: row.scopes.as_ref().map(|scopes| scopes.split_whitespace().map(str::to_owned).collect()),
        claims: ClaimNames {
            username: row.claim_username.clone(),
            name: row.claim_name.clone(),
            email: row.claim_email.clone(),
        },
        auto_create: row.auto_create,
        link_by_verified_email: row.link_by_verified_email,
        trust_mfa: row.trust_mfa,
        store_tokens: row.store_tokens,
    })
}

/// The entry a row holds, its secret opened; refused, why it cannot be used.
pub fn from_row(row: &upstreams::Model, sealer: Option<&Sealer>) -> Result<UpstreamConfig, String> {
    let mut config = settings(row)?;
    let sealer = sealer.ok_or("its client secret is sealed, and the secrets key is not set")?;
    let secret = sealer
        .open(&row.client_secret, &context(&row.id))
        .and_then(|secret| String::from_utf8(secret).ok())
        .ok_or("its client secret does not open with the secrets key")?;
    config.client_secret = Secret::new(secret);
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_holds_its_secret_sealed_to_its_id() {
        let sealer = Sealer::new("0123456789abcdef0123456789abcdef").expect("sealer");
        let config = UpstreamConfig {
            api_url: Some("https://ghe.example.org/api/v3".into()),
            client_secret: Secret::new("the-client-secret"),
            scopes: Some(vec!["read:user".into(), "user:email".into()]),
            claims: ClaimNames { username: "login".into(), ..ClaimNames::default() },
            auto_create: true,
            trust_mfa: true,
            ..UpstreamConfig::example("gh", UpstreamKind::Github)
        };
        let row = to_row(&config, &sealer, 1_700_000_000);
        assert!(!row.client_secret.windows(17).any(|w| w == b"the-client-secret"), "sealed");
        assert_eq!(row.scopes.as_deref(), Some("read:user user:email"));
        let back = from_row(&row, Some(&sealer)).expect("opens");
        assert_eq!(back.client_secret.expose(), "the-client-secret");
        assert_eq!((back.kind, back.scopes, back.claims.username), (config.kind, config.scopes, "login".into()));
        assert_eq!((back.api_url, back.auto_create, back.trust_mfa), (config.api_url, true, true));

        let moved = upstreams::Model { id: "other".into(), ..row.clone() };
        assert!(from_row(&moved, Some(&sealer)).expect_err("moved").contains("does not open"), "bound to its id");
        assert!(from_row(&row, None).expect_err("no key").contains("secrets key is not set"));
        let other = Sealer::new("another secret of at least 32 chars!").expect("sealer");
        assert!(from_row(&row, Some(&other)).is_err());
        let unknown = upstreams::Model { kind: "saml".into(), ..row };
        assert!(from_row(&unknown, Some(&sealer)).expect_err("unknown kind").contains("saml"));
    }
}
