use super::{clients::default_grant_types, *};

fn base() -> Config {
    Config::load(None).expect("defaults load")
}

fn client(id: &str) -> ClientConfig {
    ClientConfig {
        id: id.into(),
        secret: Some(Secret::new("s3cret")),
        redirect_uris: vec!["https://rp.example/cb".into()],
        post_logout_redirect_uris: vec![],
        name: None,
        skip_consent: false,
        grant_types: default_grant_types(),
        backchannel_logout_uri: None,
        id_token_signed_response_alg: None,
        introspection: false,
        require_pushed_authorization_requests: false,
        dpop_bound_access_tokens: false,
        resources: None,
    }
}

fn problem(config: &Config) -> String {
    config.validate().expect_err("must be refused").to_string()
}

#[test]
fn defaults_are_valid() {
    let config = base();
    assert_eq!(config.issuer, "http://127.0.0.1:3001");
    assert_eq!(config.tokens.default_id_token_alg, SigningAlg::EdDSA);
}

#[test]
fn relative_issuer_is_refused_naming_the_key() {
    let mut config = base();
    config.issuer = "/auth".into();
    assert!(problem(&config).contains("issuer"));
}

#[test]
fn redirect_uri_with_fragment_is_refused() {
    let mut config = base();
    let mut c = client("a");
    c.redirect_uris = vec!["https://rp.example/cb#x".into()];
    config.clients = vec![c];
    let msg = problem(&config);
    assert!(msg.contains("clients[0].redirect_uris") && msg.contains("fragment"), "{msg}");
}

#[test]
fn duplicate_client_id_is_refused() {
    let mut config = base();
    config.clients = vec![client("a"), client("a")];
    assert!(problem(&config).contains("duplicate client id"));
}

#[test]
fn client_credentials_without_secret_is_refused() {
    let mut config = base();
    let mut c = client("a");
    c.secret = None;
    c.grant_types.push("client_credentials".into());
    config.clients = vec![c];
    assert!(problem(&config).contains("grant_types"));
}

#[test]
fn introspection_without_secret_is_refused() {
    let mut config = base();
    let mut c = client("a");
    c.secret = None;
    c.introspection = true;
    config.clients = vec![c];
    assert!(problem(&config).contains("clients[0].introspection"));
}

#[test]
fn secrets_do_not_print() {
    assert_eq!(format!("{:?}", Secret::new("hunter2")), "[redacted]");
}

#[test]
fn cors_origins_must_be_exact_origins() {
    let mut config = base();
    config.api.cors_origins = vec!["https://app.example.org".into(), "http://localhost:5173".into()];
    assert!(config.validate().is_ok());
    for bad in ["*", "https://app.example.org/", "https://app.example.org/path", "app.example.org"] {
        config.api.cors_origins = vec![bad.into()];
        assert!(problem(&config).contains("api.cors_origins"), "{bad}");
    }
}

#[test]
fn backup_schedule_must_parse_and_may_be_turned_off() {
    let mut config = base();
    assert_eq!(config.backup.schedule(), Some("17 3 * * *"), "daily by default");
    config.backup.schedule = "every hour".into();
    assert!(problem(&config).contains("backup.schedule"));
    config.backup.schedule = " ".into();
    assert_eq!(config.backup.schedule(), None);
    assert!(config.validate().is_ok());
}

#[test]
fn caches_are_bounded() {
    let mut config = base();
    config.cache.clients_secs = 301;
    assert!(problem(&config).contains("cache.clients_secs"));
    let mut config = base();
    config.cache.upstreams_secs = 301;
    assert!(problem(&config).contains("cache.upstreams_secs"));
    let mut config = base();
    config.cache.access_tokens = 1_000_001;
    assert!(problem(&config).contains("cache.access_tokens"));
    config.cache.access_tokens = 0;
    assert!(config.validate().is_ok(), "0 turns remembering off");
}

#[test]
fn the_api_audience_is_the_issuer_unless_set() {
    let mut config = base();
    assert_eq!(config.access_token_audiences(), [config.issuer.as_str(); 2]);
    config.tokens.api_audience = Some("manacore".into());
    assert_eq!(config.access_token_audiences(), [config.issuer.as_str(), "manacore"]);
    config.tokens.api_audience = Some(" ".into());
    assert!(problem(&config).contains("tokens.api_audience"));
}

#[test]
fn the_refresh_retry_grace_is_bounded() {
    let mut config = base();
    assert_eq!(config.tokens.refresh_retry_secs, 10);
    config.tokens.refresh_retry_secs = 301;
    assert!(problem(&config).contains("tokens.refresh_retry_secs"));
    config.tokens.refresh_retry_secs = 0;
    assert!(config.validate().is_ok(), "0 turns the grace off");
}

#[test]
fn header_read_timeout_must_be_bounded() {
    let mut config = base();
    config.server.header_read_timeout_secs = 0;
    assert!(problem(&config).contains("server.header_read_timeout_secs"));
}

#[test]
fn metrics_settings_are_checked() {
    let mut config = base();
    assert_eq!(config.metrics.bind.0, Some("127.0.0.1:9464".parse().expect("addr")), "loopback by default");
    assert_eq!(OptionalAddr::try_from(String::new()), Ok(OptionalAddr(None)), "empty turns it off");
    assert!(OptionalAddr::try_from("9464".to_owned()).is_err());
    config.metrics.bind = OptionalAddr(Some(config.server.bind));
    assert!(problem(&config).contains("metrics.bind"));
    config.metrics.bind = OptionalAddr(None);
    config.metrics.token = Some(Secret::new("short"));
    assert!(problem(&config).contains("metrics.token"));
    config.metrics.token = Some(Secret::new("a token of thirty-two characters with spaces"));
    assert!(problem(&config).contains("metrics.token"), "a bearer token is one word");
    config.metrics.token = Some(Secret::new("a-token-of-thirty-two-characters-or-more"));
    config.validate().expect("a usable token");
}

#[test]
fn resources_must_be_absolute_distinct_and_known_to_their_clients() {
    use super::ResourceConfig;
    let notes =
        || ResourceConfig { identifier: "https://api.example.org/notes".into(), scopes: vec!["credits".into()] };
    let mut config = base();
    config.resources = vec![notes()];
    let mut narrowed = client("rp");
    narrowed.resources = Some(vec!["https://api.example.org/notes".into()]);
    config.clients = vec![narrowed];
    config.validate().expect("valid");

    let refused = |adjust: &dyn Fn(&mut Config)| {
        let mut config = base();
        config.resources = vec![notes()];
        adjust(&mut config);
        problem(&config)
    };
    assert!(refused(&|c| c.resources[0].identifier = "/notes".into()).contains("resources[0].identifier"));
    assert!(refused(&|c| c.resources[0].identifier.push_str("#part")).contains("resources[0].identifier"));
    assert!(refused(&|c| c.resources.push(notes())).contains("declared twice"));
    assert!(refused(&|c| c.resources[0].scopes = vec!["admin".into()]).contains("resources[0].scopes"));
    assert!(refused(&|c| c.resources[0].scopes.clear()).contains("resources[0].scopes"));
    let unknown = refused(&|c| {
        let mut rp = client("rp");
        rp.resources = Some(vec!["https://elsewhere.example/".into()]);
        c.clients = vec![rp];
    });
    assert!(unknown.contains("clients[0].resources"), "{unknown}");
}

#[test]
fn notify_targets_are_web_urls_and_mail_addresses() {
    let mut config = base();
    assert!(config.notify.targets.is_empty(), "none by default");
    config.notify.targets = vec![NotifyTarget::Webhook { url: "ftp://hooks.example/x".into() }];
    assert!(problem(&config).contains("notify.targets[0].url"));
    config.notify.targets = vec![
        NotifyTarget::Webhook { url: "https://hooks.example/x".into() },
        NotifyTarget::Email { to: "not an address".into() },
    ];
    assert!(problem(&config).contains("notify.targets[1].to"));
    config.notify.targets[1] = NotifyTarget::Email { to: "ops@example.org".into() };
    config.validate().expect("usable targets");
    let toml =
        "[notify]\ndb_down_secs = 30\n[[notify.targets]]\nkind = \"webhook\"\nurl = \"https://hooks.example/x\"\n";
    let parsed: NotifyConfig = ::config::Config::builder()
        .add_source(::config::File::from_str(toml, ::config::FileFormat::Toml))
        .build()
        .and_then(|c| c.get("notify"))
        .expect("parses");
    assert_eq!(parsed.targets, [NotifyTarget::Webhook { url: "https://hooks.example/x".into() }]);
    assert_eq!(parsed.db_down_secs, 30);
}

#[test]
fn a_read_replica_is_postgres_beside_postgres() {
    let mut config = base();
    config.database.read_replica_url = Some(Secret::new("postgres://replica/db"));
    assert!(problem(&config).contains("database.read_replica_url"), "not beside SQLite");
    config.database.url = Secret::new("postgres://primary/db");
    config.database.read_replica_url = Some(Secret::new("sqlite://copy.db"));
    assert!(problem(&config).contains("database.read_replica_url"), "not an SQLite copy");
    config.database.read_replica_url = Some(Secret::new("postgresql://replica/db"));
    config.validate().expect("a PostgreSQL replica of PostgreSQL");
}

#[test]
fn passkeys_follow_the_issuer_and_are_off_on_an_ip_address() {
    let mut config = base();
    let off = config.relying_party().expect("valid").expect_err("an IP address is no relying party id");
    assert!(off.contains("webauthn.rp_id"), "{off}");
    config.issuer = "https://id.example.org/auth".into();
    let rp = config.relying_party().expect("valid").expect("on");
    assert_eq!(rp.id, "id.example.org");
    assert_eq!(rp.origins.iter().map(|o| o.as_str()).collect::<Vec<_>>(), ["https://id.example.org/"]);
    config.issuer = "http://localhost:3001".into();
    assert_eq!(config.relying_party().expect("valid").expect("on").id, "localhost");
}

#[test]
fn a_relying_party_id_covers_its_origins() {
    let mut config = base();
    config.webauthn.rp_id = Some("example.org".into());
    config.webauthn.origins = vec!["https://id.example.org".into(), "https://app.example.org:8443".into()];
    assert_eq!(config.relying_party().expect("valid").expect("on").origins.len(), 2);
    for (origin, why) in [
        ("https://example.com", "not on the relying party id"),
        ("https://badexample.org", "not on the relying party id"),
        ("http://id.example.org", "must be https"),
        ("https://id.example.org/path", "scheme://host"),
    ] {
        config.webauthn.origins = vec![origin.into()];
        let refused = problem(&config);
        assert!(refused.contains("webauthn.origins") && refused.contains(why), "{origin}: {refused}");
    }
    config.webauthn.origins = vec![];
    config.webauthn.rp_id = Some("127.0.0.1".into());
    assert!(problem(&config).contains("webauthn.rp_id"));
    config.webauthn.rp_id = Some("localhost".into());
    config.webauthn.origins = vec!["http://localhost:3001".into()];
    assert_eq!(config.relying_party().expect("valid").expect("on").id, "localhost");
}
