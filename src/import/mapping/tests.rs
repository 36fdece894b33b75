use super::*;

fn transaction(id: &str, kind: &str, amount: i64, created_at: i64) -> source::Transaction {
    source::Transaction {
        id: id.into(),
        user_id: "u1".into(),
        kind: kind.into(),
        amount,
        balance_after: 0,
        app_id: None,
        description: None,
        metadata: None,
        created_at,
    }
}

#[test]
fn credits_used_become_spending_and_a_days_free_credits_mark_that_day_granted() {
    let day = 20_000 * 86_400;
    let history = history(vec![
        transaction("t1", "daily_free", 5, day + 10),
        transaction("t2", "usage", -40, day + 20),
        transaction("t3", "daily_free", 5, day + 30),
        transaction("t4", "refund", 40, day + 40),
    ]);
    let kinds: Vec<_> = history.iter().map(|t| (t.kind.as_str(), t.amount)).collect();
    assert_eq!(kinds, [("daily_free", 5), ("spend", 40), ("daily_free", 5), ("refund", 40)]);
    assert_eq!(history[0].reference.as_deref(), Some("daily:u1:20000"), "what the daily grant looks for");
    assert_eq!(history[2].reference, None, "a reference is unique: the day is marked once");
    assert_eq!(history[1].reference, None);
}

fn key(public_key: &str) -> source::Key {
    source::Key { id: "kid-1".into(), public_key: public_key.into(), created_at: 7 }
}

#[test]
fn ed25519_and_rsa_keys_are_published_under_the_old_kid_and_others_stop_the_import() {
    let ed = super::key(key(r#"{"kty":"OKP","crv":"Ed25519","x":"OAQ7vE3nD2E3lavVnir_fXpNBA1iN3bjm2vb8MfuaCA"}"#))
        .expect("Ed25519");
    assert_eq!(ed.alg, "EdDSA");
    let jwk: Value = serde_json::from_str(&ed.public_jwk).expect("json");
    assert_eq!(jwk["kid"], "kid-1");
    assert_eq!(jwk["alg"], "EdDSA");
    assert_eq!(jwk["x"], "OAQ7vE3nD2E3lavVnir_fXpNBA1iN3bjm2vb8MfuaCA");

    let rsa = super::key(key(r#"{"kty":"RSA","n":"sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri","e":"AQAB"}"#));
    assert_eq!(rsa.expect("RSA").alg, "RS256");

    for unsupported in [
        r#"{"kty":"EC","crv":"P-256","x":"AAAA","y":"AAAA"}"#,
        r#"{"kty":"OKP","crv":"Ed25519","x":"c2hvcnQ"}"#,
        r#"{"kty":"OKP","crv":"X25519","x":"OAQ7vE3nD2E3lavVnir_fXpNBA1iN3bjm2vb8MfuaCA"}"#,
        "not json",
    ] {
        let err = super::key(key(unsupported)).err().expect(unsupported);
        assert!(err.to_string().starts_with("key kid-1: "), "{err}");
    }
}

fn user(hashed_password: Option<&str>) -> source::User {
    source::User {
        id: "u1".into(),
        email: "Ada@Example.ORG".into(),
        email_verified: true,
        name: None,
        role: "user".into(),
        created_at: 1,
        updated_at: 2,
        hashed_password: hashed_password.map(str::to_owned),
    }
}

#[test]
fn a_password_hash_in_an_unknown_format_stops_the_import() {
    let salt_and_key = format!("{}:{}", "ab".repeat(16), "cd".repeat(64));
    let imported = super::user(user(Some(&salt_and_key))).expect("Better Auth's format");
    assert!(scrypt_hash::is_scrypt(&imported.password_hash));
    assert_eq!(imported.email, "ada@example.org", "stored in mana-auth's one form");
    assert_eq!(super::user(user(None)).expect("no password").password_hash, NO_PASSWORD);

    let err = super::user(user(Some("$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"))).err();
    let err = err.expect("bcrypt is not Better Auth's format").to_string();
    assert!(err.starts_with("user u1: the password hash is not in Better Auth's scrypt format"), "{err}");
    assert!(!err.contains("N9qo8"), "the hash is not printed");
}

#[test]
fn two_accounts_whose_emails_are_one_address_in_mana_auth_stop_the_import() {
    let mut twin = user(None);
    twin.id = "u2".into();
    twin.email = "ada@EXAMPLE.org".into();
    let users = vec![super::user(user(None)).expect("ada"), super::user(twin).expect("twin")];
    let err = one_account_per_email(users).expect_err("one address").to_string();
    assert_eq!(err, "users u1 and u2: one email address in mana-auth's form; nothing imported");
}
