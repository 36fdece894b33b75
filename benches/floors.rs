//! The floors every figure of mana-auth is measured against: one Ed25519 signature,
//! one verification (and one of a token verified before), minting an id_token + access token pair, and one Argon2id hash
//! at the configured parameters. `cargo bench --bench floors`.

#![forbid(unsafe_code)]

use criterion::{Criterion, criterion_group, criterion_main};
use mana_auth::{
    config::{ClientConfig, Config, SigningAlg},
    keys::{KeySet, keyset::Expect, vault::Vault},
    security::passwords::Passwords,
    store::clients::Client,
    tokens::{
        mint::{AccessClaims, UserContext, access_token, id_token},
        scope::Scope,
        verified::VerifiedTokens,
        verify::verify_signature,
    },
};

struct Fixture {
    config: Config,
    keys: KeySet,
    client: Client,
    user: entity::users::Model,
    runtime: tokio::runtime::Runtime,
}

fn fixture() -> Fixture {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let mut config = Config::load(None).expect("defaults");
    config.database.url = mana_auth::config::Secret::new("sqlite::memory:");
    config.database.max_connections = 1;
    let keys = runtime.block_on(async {
        let db = mana_auth::store::db::connect(&config.database).await.expect("database");
        mana_auth::store::db::migrate(&db).await.expect("migrate");
        KeySet::load_or_create(&db, &Vault::new(None).expect("vault")).await.expect("keys")
    });
    let client = Client::from_config(
        &ClientConfig {
            id: "bench".into(),
            secret: None,
            redirect_uris: vec!["https://rp.example/cb".into()],
            post_logout_redirect_uris: vec![],
            name: None,
            skip_consent: true,
            grant_types: vec!["authorization_code".into()],
            backchannel_logout_uri: None,
            id_token_signed_response_alg: None,
            introspection: false,
            require_pushed_authorization_requests: false,
            dpop_bound_access_tokens: false,
            resources: None,
        },
        "config",
    );
    let user = entity::users::Model {
        id: "Zk3xYk9Lq0b1c2d3e4f5gA".into(),
        email: "ada@example.org".into(),
        username: Some("ada".into()),
        name: Some("Ada Lovelace".into()),
        password_hash: String::new(),
        email_verified: true,
        role: "user".into(),
        language: None,
        disabled_at: None,
        created_at: 0,
        updated_at: 0,
    };
    Fixture { config, keys, client, user, runtime }
}

fn floors(c: &mut Criterion) {
    let f = fixture();
    let scope = Scope::parse("openid profile email").expect("scope");
    let context = UserContext {
        user: &f.user,
        sid: "s3ss10n1d0000000000000",
        auth_time: 1_764_000_000,
        amr: "pwd",
        nonce: Some("n-0S6_WzA2Mj"),
        jti: None,
    };
    let signer = f.keys.signer(SigningAlg::EdDSA).expect("signer");
    let token = access_token(&f.config, &f.keys, &f.client, &scope, Some(&context), None, None).expect("mint").token;
    let audiences = f.config.access_token_audiences();
    let expect = Expect::access_token(&audiences);
    let claims = f.keys.verify::<AccessClaims>(&token, &f.config.issuer, &expect).expect("verifies").claims;

    c.bench_function("ed25519_sign_access_token", |b| b.iter(|| signer.sign("at+jwt", &claims).expect("sign")));
    c.bench_function("verify_access_token_cached_keys", |b| {
        b.iter(|| f.keys.verify::<AccessClaims>(&token, &f.config.issuer, &expect).expect("verify"))
    });
    let seen = VerifiedTokens::new(4096);
    verify_signature(&f.keys, &seen, &f.config, &token, &f.config.access_token_audiences()).expect("verify");
    c.bench_function("verify_access_token_seen_before", |b| {
        b.iter(|| {
            verify_signature(&f.keys, &seen, &f.config, &token, &f.config.access_token_audiences()).expect("verify")
        })
    });
    c.bench_function("mint_id_and_access_token", |b| {
        b.iter(|| {
            let access =
                access_token(&f.config, &f.keys, &f.client, &scope, Some(&context), None, None).expect("access");
            id_token(&f.config, &f.keys, &f.client, &scope, &context, &access.token).expect("id")
        })
    });
    let passwords = Passwords::new(&f.config.passwords).expect("passwords");
    let mut group = c.benchmark_group("argon2id");
    group.sample_size(10);
    group.bench_function("hash_owasp_params", |b| {
        b.iter(|| f.runtime.block_on(passwords.hash("correct horse battery".into())).expect("hash"))
    });
    group.finish();
}

criterion_group!(benches, floors);
criterion_main!(benches);
