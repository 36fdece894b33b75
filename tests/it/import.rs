//! `mana-auth import mana-core`: each test loads the original service's layout and sample
//! rows into a PostgreSQL database of its own, runs the real binary against a fresh
//! mana-auth database, then starts the app on it and speaks HTTP to it.

use aws_lc_rs::signature::Ed25519KeyPair;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::{credit_transactions, jwks, users};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use mana_auth::{
    keys::rotation,
    store::{
        now,
        security_events::{self, Filter},
    },
};
use reqwest::Method;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::{
    common::{
        Backend, RP_SECRET, TestApp,
        api::{Api, text},
        browser::{Browser, query_param},
        database::TestDatabase,
        mana_auth,
        rp::RelyingParty,
    },
    on_every_backend,
};

const ADA: &str = "usrAda000000000000000000000000001";
const BERND: &str = "usrBernd0000000000000000000000002";
const ADA_PASSWORD: &str = "correct horse battery staple";
const BERND_PASSWORD: &str = "Grüße aus Köln 2024!";
const OLD_KID: &str = "mcKey01sample000000000000000000a";
const ORGANIZATION: &str = "orgMana0000000000000000000000001";

fn fixture(name: &str) -> String {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures/mana-core").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A database of the original service: its layout, its sample rows, then `extra` SQL.
async fn mana_core_source(extra: &str) -> TestDatabase {
    let source = TestDatabase::empty_postgres().await;
    let pool = sea_orm::sqlx::PgPool::connect(&source.url).await.expect("connect to the source");
    let sql = format!("{}\n{}\n{extra}", fixture("schema.sql"), fixture("sample.sql"));
    sea_orm::sqlx::raw_sql(sea_orm::sqlx::AssertSqlSafe(sql)).execute(&pool).await.expect("load the source");
    pool.close().await;
    source
}

/// Runs `mana-auth import mana-core --from SOURCE ARGS…` against `target`; returns the
/// exit status, standard output and standard error.
fn import(target: &TestDatabase, from: &str, args: &[&str]) -> (bool, String, String) {
    let mut command = vec!["import", "mana-core", "--from", from];
    command.extend_from_slice(args);
    let output = mana_auth(&command, &[("MANA_AUTH__DATABASE__URL", target.url.as_str())], "");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (output.status.success(), text(&output.stdout), text(&output.stderr))
}

/// Imports the sample (plus `extra`) into a fresh database and starts the app on it.
async fn imported(backend: Backend, extra: &str) -> TestApp {
    let source = mana_core_source(extra).await;
    let target = TestDatabase::create(backend).await;
    let (ok, out, err) = import(&target, &source.url, &[]);
    assert!(ok, "{out}{err}");
    TestApp::spawn_on_prepared(target, |_| {}).await
}

async fn login(api: &Api, email: &str, password: &str) -> (u16, Value) {
    let (status, body) = api.post("/api/v1/auth/login", None, &json!({"email": email, "password": password})).await;
    (status.as_u16(), body)
}

async fn stored_hash(app: &TestApp, user_id: &str) -> String {
    users::Entity::find_by_id(user_id).one(&app.db).await.expect("db").expect("user").password_hash
}

/// Nothing of the source reached mana-auth's tables.
async fn assert_nothing_imported(app: &TestApp) {
    assert_eq!(users::Entity::find().count(&app.db).await.expect("count"), 0);
    assert_eq!(credit_transactions::Entity::find().count(&app.db).await.expect("count"), 0);
    assert!(jwks::Entity::find_by_id(OLD_KID).one(&app.db).await.expect("db").is_none());
}

async fn dry_run_counts_every_kind_and_writes_nothing(backend: Backend) {
    let source = mana_core_source("").await;
    let target = TestDatabase::create(backend).await;
    let (ok, out, err) = import(&target, &source.url, &["--dry-run"]);
    assert!(ok, "{out}{err}");
    let expected = [
        "users: 2 new of 2",
        "sessions: 1 new of 1",
        "organizations: 1 new of 1",
        "members: 2 new of 2",
        "keys: 1 new of 1",
        "packages: 2 new of 2",
        "purchases: 1 new of 1",
        "transactions: 4 new of 4",
        "balances: 2 new of 2",
        "dry run: 16 rows would be imported; nothing written",
    ];
    assert_eq!(out.lines().collect::<Vec<_>>(), expected);
    let app = TestApp::spawn_on_prepared(target, |_| {}).await;
    assert_nothing_imported(&app).await;
    assert_eq!(login(&Api::new(&app.base), "ada@example.org", ADA_PASSWORD).await.0, 401);
}
on_every_backend!(dry_run_counts_every_kind_and_writes_nothing, needs test_postgres);

async fn a_second_import_changes_nothing_and_says_so(backend: Backend) {
    let source = mana_core_source("").await;
    let target = TestDatabase::create(backend).await;
    let (ok, first, err) = import(&target, &source.url, &[]);
    assert!(ok, "{first}{err}");
    assert!(first.lines().any(|l| l == "users: 2 new of 2"), "{first}");
    assert_eq!(first.lines().last(), Some("imported 16 rows from Mana Core Auth"));

    let (ok, second, err) = import(&target, &source.url, &[]);
    assert!(ok, "{second}{err}");
    assert!(second.lines().any(|l| l == "users: 0 new of 2"), "{second}");
    assert!(second.lines().any(|l| l == "balances: 0 new of 2"), "{second}");
    assert_eq!(second.lines().last(), Some("nothing to import: every row is already in mana-auth; nothing changed"));

    let app = TestApp::spawn_on_prepared(target, |_| {}).await;
    assert_eq!(users::Entity::find().count(&app.db).await.expect("count"), 2);
    // The four past movements and the two opening balances, each once.
    assert_eq!(credit_transactions::Entity::find().count(&app.db).await.expect("count"), 6);
    let imports = Filter { kind: Some("data.imported".into()), limit: 10, ..Filter::default() };
    let events = security_events::list(&app.db, imports).await.expect("events");
    assert_eq!(events.len(), 1, "the audit trail holds the one import that changed something");
}
on_every_backend!(a_second_import_changes_nothing_and_says_so, needs test_postgres);

async fn old_passwords_sign_in_and_are_rehashed_with_argon2id(backend: Backend) {
    let app = imported(backend, "").await;
    let api = Api::new(&app.base);
    assert!(stored_hash(&app, ADA).await.starts_with("$better-auth-scrypt$ln=14,r=16,p=1$"));

    assert_eq!(login(&api, "ada@example.org", "correct horse battery stapler").await.0, 401);
    let (status, body) = login(&api, "ada@example.org", ADA_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], ADA, "the old id is the subject");
    assert_eq!(mana_auth_sub(&text(&body, "accessToken")), ADA);
    assert!(stored_hash(&app, ADA).await.starts_with("$argon2id$"), "replaced at the sign-in");
    assert_eq!(login(&api, "ada@example.org", ADA_PASSWORD).await.0, 200, "and it still signs in");
    assert_eq!(login(&api, "ada@example.org", "correct horse battery stapler").await.0, 401);

    // Bernd's password has umlauts and ß: checked in NFKC, however they are typed, and
    // its Argon2id successor is made of that form, so the usual spelling keeps working.
    let decomposed = "Gru\u{308}ße aus Ko\u{308}ln 2024!";
    assert_eq!(login(&api, "bernd@example.de", decomposed).await.0, 200);
    assert!(stored_hash(&app, BERND).await.starts_with("$argon2id$"));
    assert_eq!(login(&api, "bernd@example.de", BERND_PASSWORD).await.0, 200);
    assert_eq!(login(&api, "bernd@example.de", "Grusse aus Koln 2024!").await.0, 401);
}
on_every_backend!(old_passwords_sign_in_and_are_rehashed_with_argon2id, needs test_postgres);

async fn the_hosted_sign_in_page_takes_an_old_password(backend: Backend) {
    let app = imported(backend, "").await;
    let rp = RelyingParty::discover(&app.base, "rp", Some(RP_SECRET)).await;
    let request = rp.authorize(&["openid", "email"]);
    let callback = Browser::new(&app.base).authorize_and_sign_in(&request.url, "ada@example.org", ADA_PASSWORD).await;
    assert!(query_param(&callback, "code").is_some(), "signed in: {callback}");
    assert!(stored_hash(&app, ADA).await.starts_with("$argon2id$"), "replaced at the sign-in");
    assert_eq!(login(&Api::new(&app.base), "ada@example.org", ADA_PASSWORD).await.0, 200);
}
on_every_backend!(the_hosted_sign_in_page_takes_an_old_password, needs test_postgres);

fn mana_auth_sub(token: &str) -> String {
    crate::common::claims_of(token)["sub"].as_str().expect("sub").to_owned()
}

/// A token as the old service signed it, with the private half of its sample key.
fn old_service_token(claims: &Value) -> String {
    let jwk: Value = serde_json::from_str(&fixture("sample-signing-key.jwk")).expect("jwk");
    let decode = |field: &str| URL_SAFE_NO_PAD.decode(jwk[field].as_str().expect(field)).expect("base64url");
    let key = Ed25519KeyPair::from_seed_and_public_key(&decode("d"), &decode("x")).expect("the sample key");
    let header = json!({"alg": "EdDSA", "typ": "JWT", "kid": jwk["kid"]});
    let input =
        format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(key.sign(input.as_bytes())))
}

async fn the_old_services_tokens_verify_against_the_published_keys_which_never_sign(backend: Backend) {
    let app = imported(backend, "").await;
    let claims = json!({"sub": ADA, "iss": "manacore", "aud": "manacore", "iat": now(), "exp": now() + 900});
    let token = old_service_token(&claims);

    // A resource server: the key set, then a local check.
    let published: Value =
        reqwest::get(app.url("/.well-known/jwks.json")).await.expect("jwks").json().await.expect("json");
    let old = published["keys"].as_array().expect("keys").iter().find(|k| k["kid"] == OLD_KID).expect("published");
    assert_eq!((old["kty"].as_str(), old["alg"].as_str()), (Some("OKP"), Some("EdDSA")));
    let key = DecodingKey::from_ed_components(old["x"].as_str().expect("x")).expect("key");
    let mut validation = Validation::new(Algorithm::EdDSA);
    validation.set_issuer(&["manacore"]);
    validation.set_audience(&["manacore"]);
    let verified = jsonwebtoken::decode::<Value>(&token, &key, &validation).expect("the old token verifies");
    assert_eq!(verified.claims["sub"], ADA);

    let api = Api::new(&app.base);
    let (status, body) = login(&api, "ada@example.org", ADA_PASSWORD).await;
    assert_eq!(status, 200, "{body}");
    let header = jsonwebtoken::decode_header(text(&body, "accessToken")).expect("header");
    assert_ne!(header.kid.as_deref(), Some(OLD_KID), "the imported key never signs");
    let stored = jwks::Entity::find_by_id(OLD_KID).one(&app.db).await.expect("db").expect("stored");
    assert_eq!(stored.status, "retired");
    assert!(stored.private_der.is_empty(), "no private part came over");
}
on_every_backend!(the_old_services_tokens_verify_against_the_published_keys_which_never_sign, needs test_postgres);

async fn old_keys_stay_published_for_the_old_services_token_lifetime(backend: Backend) {
    let source = mana_core_source("").await;
    let target = TestDatabase::create(backend).await;
    let day = 86_400;
    let (ok, out, err) = import(&target, &source.url, &["--token-lifetime-secs", &day.to_string()]);
    assert!(ok, "{out}{err}");
    let app = TestApp::spawn_on_prepared(target, |_| {}).await;
    let keys = mana_auth::store::jwks::all(&app.db).await.expect("keys");
    let policy = rotation::Policy::from_config(&app.state.config);
    let deletes_old =
        |at: i64| rotation::plan(&keys, at, policy).contains(&rotation::Action::Delete(OLD_KID.to_owned()));
    let imported_at = now();
    assert!(!deletes_old(imported_at + day - 60), "still published near the end of the old tokens' life");
    assert!(deletes_old(imported_at + day + 60), "withdrawn once every old token has expired");
}
on_every_backend!(old_keys_stay_published_for_the_old_services_token_lifetime, needs test_postgres);

/// Bernd got his free credits today from the old service: that day's grant is his.
const BERND_DAILY_TODAY: &str = "
INSERT INTO credits.transactions (id, user_id, type, amount, balance_before, balance_after, created_at)
  VALUES ('txnBernd2', 'usrBernd0000000000000000000000002', 'daily_free', 5, 150, 155, now());
UPDATE credits.balances SET free_credits_remaining = 155, total_earned = 155, last_daily_reset_at = now()
  WHERE user_id = 'usrBernd0000000000000000000000002';";

async fn balances_open_the_ledger_with_free_and_paid_kept_apart(backend: Backend) {
    let app = imported(backend, BERND_DAILY_TODAY).await;
    let api = Api::new(&app.base);
    let daily = app.state.config.credits.daily_free;

    let ada = text(&login(&api, "ada@example.org", ADA_PASSWORD).await.1, "accessToken");
    let (status, balance) = api.get("/api/v1/credits/balance", &ada).await;
    assert_eq!(status, 200, "{balance}");
    assert_eq!(balance["paidCredits"], 500);
    assert_eq!(balance["freeCreditsRemaining"], 110 + daily, "Ada's free credits, and today's from mana-auth");
    assert_eq!(balance["totalEarned"], 650 + daily);
    assert_eq!(balance["totalSpent"], 40);

    let (_, history) = api.get("/api/v1/credits/transactions", &ada).await;
    let kinds: Vec<_> =
        history.as_array().expect("list").iter().map(|t| (t["type"].clone(), t["amount"].clone())).collect();
    for past in
        [json!(["signup_bonus", 150]), json!(["purchase", 500]), json!(["spend", 40]), json!(["opening_balance", 610])]
    {
        assert!(kinds.contains(&(past[0].clone(), past[1].clone())), "{past} in {history}");
    }
    let (_, purchases) = api.get("/api/v1/credits/purchases", &ada).await;
    assert_eq!(purchases[0]["id"], "purAda1");
    assert_eq!((purchases[0]["status"].as_str(), purchases[0]["credits"].as_i64()), (Some("completed"), Some(500)));

    let bernd = text(&login(&api, "bernd@example.de", BERND_PASSWORD).await.1, "accessToken");
    let (_, balance) = api.get("/api/v1/credits/balance", &bernd).await;
    assert_eq!((balance["freeCreditsRemaining"].as_i64(), balance["paidCredits"].as_i64()), (Some(155), Some(0)));

    let doctor = mana_auth(&["doctor"], &[("MANA_AUTH__DATABASE__URL", app.database_url.as_str())], "");
    let report = String::from_utf8_lossy(&doctor.stdout);
    assert!(doctor.status.success(), "{report}{}", String::from_utf8_lossy(&doctor.stderr));
    assert!(report.lines().any(|l| l == "ledger: ok"), "{report}");
}
on_every_backend!(balances_open_the_ledger_with_free_and_paid_kept_apart, needs test_postgres);

async fn organizations_and_their_members_come_over(backend: Backend) {
    let app = imported(backend, "").await;
    let api = Api::new(&app.base);
    let ada = text(&login(&api, "ada@example.org", ADA_PASSWORD).await.1, "accessToken");
    let (status, mine) = api.get("/api/v1/auth/organizations", &ada).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!((mine[0]["id"].as_str(), mine[0]["role"].as_str()), (Some(ORGANIZATION), Some("owner")));
    assert_eq!(mine[0]["name"], "Brot & Mana GmbH");

    let (status, members) = api.get(&format!("/api/v1/organizations/{ORGANIZATION}/members"), &ada).await;
    assert_eq!(status, 200, "{members}");
    let mut roles: Vec<_> = members
        .as_array()
        .expect("list")
        .iter()
        .map(|m| (m["userId"].as_str().unwrap_or("").to_owned(), m["role"].as_str().unwrap_or("").to_owned()))
        .collect();
    roles.sort_unstable();
    assert_eq!(roles, [(ADA.to_owned(), "owner".to_owned()), (BERND.to_owned(), "member".to_owned())]);
}
on_every_backend!(organizations_and_their_members_come_over, needs test_postgres);

/// A session Ada ended before the switch.
const ADA_ENDED_SESSION: &str = "
INSERT INTO auth.sessions (id, user_id, token, expires_at, device_id, device_name, revoked_at)
  VALUES ('sesAdaEnded', 'usrAda000000000000000000000000001', 'tokAdaEnded', now() + interval '3 days',
          'dev-ada-laptop', 'Ada''s laptop', now() - interval '1 day');";

async fn live_sessions_come_over_with_their_devices_and_can_be_ended(backend: Backend) {
    let app = imported(backend, ADA_ENDED_SESSION).await;
    let api = Api::new(&app.base);
    let ada = text(&login(&api, "ada@example.org", ADA_PASSWORD).await.1, "accessToken");
    let (status, sessions) = api.get("/api/v1/auth/sessions", &ada).await;
    assert_eq!(status, 200, "{sessions}");
    let listed =
        |sessions: &Value, id: &str| sessions.as_array().expect("list").iter().find(|s| s["id"] == id).cloned();
    let phone = listed(&sessions, "sesAda000000000000000000000000001").expect("the live session is listed");
    assert_eq!(phone["deviceName"], "Ada's iPhone");
    assert_eq!(phone["deviceId"], "dev-ada-phone");
    assert_eq!(phone["userAgent"], "MANA-iOS/3.1");
    assert_eq!(phone["ip"], "203.0.113.7");
    assert_eq!(phone["current"], false);
    assert!(listed(&sessions, "sesAdaEnded").is_none(), "an ended session stays ended");

    let end = "/api/v1/auth/sessions/sesAda000000000000000000000000001";
    assert_eq!(api.call(Method::DELETE, end, Some(&ada), None).await.0, 200);
    let (_, sessions) = api.get("/api/v1/auth/sessions", &ada).await;
    assert!(listed(&sessions, "sesAda000000000000000000000000001").is_none());
}
on_every_backend!(live_sessions_come_over_with_their_devices_and_can_be_ended, needs test_postgres);

/// Runs an import that must fail: one line on standard error that starts with
/// `expected`, a non-zero exit, and nothing in the target.
async fn refused(backend: Backend, from: &str, expected: &str) {
    let target = TestDatabase::create(backend).await;
    let (ok, out, err) = import(&target, from, &[]);
    assert!(!ok, "{out}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with(&format!("mana-auth: {expected}")), "{err}");
    assert!(!err.contains("secret"), "the source's password is not printed: {err}");
    let app = TestApp::spawn_on_prepared(target, |_| {}).await;
    assert_nothing_imported(&app).await;
}

async fn an_unreachable_source_stops_the_import(backend: Backend) {
    let unreachable = "postgres://postgres:secret@127.0.0.1:1/mana_core";
    refused(backend, unreachable, "the Mana Core Auth database at 127.0.0.1:1/mana_core cannot be reached").await;
}
on_every_backend!(an_unreachable_source_stops_the_import, needs test_postgres);

async fn a_missing_table_stops_the_import(backend: Backend) {
    let source = mana_core_source("DROP TABLE credits.purchases;").await;
    refused(backend, &source.url, "the Mana Core Auth database has no table credits.purchases").await;
}
on_every_backend!(a_missing_table_stops_the_import, needs test_postgres);

async fn an_unknown_password_hash_stops_the_import(backend: Backend) {
    let bcrypt = "
INSERT INTO auth.users (id, email) VALUES ('usrCarl', 'carl@example.org');
INSERT INTO auth.passwords (user_id, hashed_password)
  VALUES ('usrCarl', '$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy');";
    let source = mana_core_source(bcrypt).await;
    refused(backend, &source.url, "user usrCarl: the password hash is not in Better Auth's scrypt format").await;
}
on_every_backend!(an_unknown_password_hash_stops_the_import, needs test_postgres);
