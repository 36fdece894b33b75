//! `/admin/upstreams`: a sign-in provider made on the admin pages signs people in like
//! one of the configuration file, on every process; its secret is stored sealed; edits
//! and deletion are checked and recorded naming the administrator; the configuration
//! file's providers are changed by none of the forms.

use entity::upstreams;
use mana_auth::{
    admin::roles::{By, grant_admin},
    config::Secret,
};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};

use crate::{
    common::{
        Backend, TestApp,
        browser::{Browser, hidden_field, location},
        upstream::start,
    },
    console::admin_browser,
    mfa::signed_in_browser,
    on_every_backend,
    upstream_pair::{
        Pair, UP_SECRET, account, attempt, events, identities, pair_configured, through_upstream, upstream_person,
    },
};

/// The two providers, this one with no `[[upstreams]]` and as `down` leaves it.
async fn pair_without_entries(backend: Backend, down: impl FnOnce(&mut mana_auth::config::Config)) -> Pair {
    pair_configured(
        backend,
        |_| {},
        |config| {
            config.upstreams.clear();
            down(config);
        },
    )
    .await
}

async fn post(browser: &Browser, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let page = browser.get("/admin/upstreams/new").await.text().await.expect("page");
    let token = hidden_field(&page, "csrf");
    let mut form = vec![("csrf", token.as_str())];
    form.extend_from_slice(fields);
    browser.post_form(path, &form).await
}

/// The form that makes the upstream "idp" for the other provider of `pair`.
fn idp_form(pair: &Pair) -> Vec<(&'static str, String)> {
    [
        ("id", "idp"),
        ("kind", "oidc"),
        ("name", "idp provider"),
        ("client_id", "downstream"),
        ("client_secret", UP_SECRET),
        ("auto_create", "on"),
    ]
    .map(|(k, v)| (k, v.to_owned()))
    .into_iter()
    .chain([("issuer", pair.up.base.clone())])
    .collect()
}

async fn post_owned(browser: &Browser, path: &str, fields: &[(&'static str, String)]) -> reqwest::Response {
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    post(browser, path, &borrowed).await
}

async fn stored(app: &TestApp) -> Vec<upstreams::Model> {
    upstreams::Entity::find().all(&app.db).await.expect("upstreams")
}

async fn sign_in_page(app: &TestApp) -> String {
    Browser::new(&app.base).get("/login").await.text().await.expect("sign-in page")
}

async fn a_provider_made_on_the_admin_pages_signs_people_in_on_every_process(backend: Backend) {
    let pair = pair_without_entries(backend, |_| {}).await;
    let beside = pair.down.spawn_beside(|config| config.cache.upstreams_secs = 0).await;
    let (admin, admin_user) = admin_browser(&pair.down, "root@example.org").await;
    assert!(!sign_in_page(&pair.down).await.contains("Sign in with"), "no provider yet");

    let created = post_owned(&admin, "/admin/upstreams", &idp_form(&pair)).await;
    assert_eq!((created.status(), location(&created)), (StatusCode::SEE_OTHER, "/admin/upstreams/idp".into()));
    let page = admin.get("/admin/upstreams/idp").await.text().await.expect("page");
    assert!(page.contains(&format!("<code>{}/login/upstream/idp/callback</code>", pair.down.base)), "{page}");
    let row = stored(&pair.down).await.remove(0);
    assert!(!row.client_secret.windows(UP_SECRET.len()).any(|w| w == UP_SECRET.as_bytes()), "the secret is sealed");
    let made = events(&pair.down, "admin.upstream_created").await;
    let details = made[0].details.as_deref().expect("details");
    assert!(details.contains(&admin_user.id) && details.contains("\"idp\"") && !details.contains(UP_SECRET));

    // Offered at once here, and by the other process.
    upstream_person(&pair, "dora@example.org", true).await;
    let attempt = attempt(&pair, "").await;
    let (_, callback) = through_upstream(&pair, &attempt, "dora@example.org").await;
    assert!(callback.is_some(), "back at the relying party");
    assert!(account(&pair.down, "dora@example.org").await.is_some(), "an account made through it");
    assert!(sign_in_page(&beside).await.contains("Sign in with idp provider"));
    let at_upstream = start(&Browser::new(&beside.base), "idp", "").await;
    assert!(at_upstream.starts_with(&pair.up.base), "{at_upstream}");

    // Deleted: gone everywhere, with the identities linked through it.
    let confirm = post(&admin, "/admin/upstreams/idp/delete", &[("confirm", "idp")]).await;
    assert_eq!((confirm.status(), location(&confirm)), (StatusCode::SEE_OTHER, "/admin/upstreams".into()));
    assert!(stored(&pair.down).await.is_empty() && identities(&pair.down).await.is_empty());
    let deleted = events(&pair.down, "admin.upstream_deleted").await;
    assert!(deleted[0].details.as_deref().is_some_and(|d| d.contains("\"unlinked\":1")), "{deleted:?}");
    for app in [&pair.down, &beside] {
        assert!(!sign_in_page(app).await.contains("Sign in with"));
        assert_eq!(Browser::new(&app.base).get("/login/upstream/idp").await.status(), StatusCode::NOT_FOUND);
    }
}
on_every_backend!(a_provider_made_on_the_admin_pages_signs_people_in_on_every_process);

async fn edits_keep_the_secret_unless_a_new_one_is_typed(backend: Backend) {
    let pair = pair_without_entries(backend, |_| {}).await;
    let (admin, _) = admin_browser(&pair.down, "root@example.org").await;
    assert_eq!(post_owned(&admin, "/admin/upstreams", &idp_form(&pair)).await.status(), StatusCode::SEE_OTHER);
    upstream_person(&pair, "eve@example.org", true).await;
    let edit = |name: &'static str, secret: &'static str| {
        let mut form: Vec<(&str, &str)> =
            vec![("name", name), ("client_id", "downstream"), ("client_secret", secret), ("auto_create", "on")];
        // Neither the kind nor the issuer changes once made.
        form.extend([("kind", "github"), ("issuer", "https://elsewhere.example.org")]);
        form
    };

    let renamed = post(&admin, "/admin/upstreams/idp", &edit("Staff SSO", "")).await;
    assert_eq!(renamed.status(), StatusCode::SEE_OTHER);
    assert!(sign_in_page(&pair.down).await.contains("Sign in with Staff SSO"));
    let row = stored(&pair.down).await.remove(0);
    assert_eq!((row.kind.as_str(), row.issuer.as_deref()), ("oidc", Some(pair.up.base.as_str())));
    let updated = events(&pair.down, "admin.upstream_updated").await;
    assert!(updated[0].details.as_deref().is_some_and(|d| d.contains("\"changed\":[\"name\"]")), "{updated:?}");
    let kept = attempt(&pair, "").await;
    let (_, callback) = through_upstream(&pair, &kept, "eve@example.org").await;
    assert!(callback.is_some(), "the kept secret still works");

    // A wrong secret is used as typed: the upstream's token endpoint refuses it.
    assert_eq!(post(&admin, "/admin/upstreams/idp", &edit("Staff SSO", "wrong")).await.status(), StatusCode::SEE_OTHER);
    let updated = events(&pair.down, "admin.upstream_updated").await;
    assert!(updated[1].details.as_deref().is_some_and(|d| d.contains("[\"client_secret\"]")));
    let wrong = attempt(&pair, "").await;
    let (refused, callback) = through_upstream(&pair, &wrong, "eve@example.org").await;
    assert_eq!((refused.status(), callback), (StatusCode::FORBIDDEN, None));
}
on_every_backend!(edits_keep_the_secret_unless_a_new_one_is_typed);

async fn bad_forms_change_nothing(backend: Backend) {
    let pair = pair_without_entries(backend, |config| {
        let file = crate::common::upstream::upstream_config(
            "corp",
            mana_auth::config::UpstreamKind::Github,
            "https://github.com",
            "c",
            "s",
        );
        config.upstreams.push(file);
    })
    .await;
    let (admin, _) = admin_browser(&pair.down, "root@example.org").await;
    let good = idp_form(&pair);
    let with = |key: &'static str, value: &str| -> Vec<(&'static str, String)> {
        let mut form: Vec<_> = good.iter().filter(|(k, _)| *k != key).cloned().collect();
        form.push((key, value.to_owned()));
        form
    };
    let refusals = [
        (with("issuer", "http://sso.example.org"), "must be https"),
        (with("issuer", ""), "issuer is needed"),
        (with("client_secret", ""), "client_secret must not be empty"),
        (with("id", "Not An Id"), "id must be 1 to 64"),
        (with("id", "new"), "taken by the page that creates providers"),
        (with("id", "corp"), "already exists"),
        (with("kind", "saml"), "Choose oidc, github or google."),
        (with("scopes", "email profile"), "must include `openid`"),
        (with("name", "idp\nprovider"), "The form is incomplete or malformed"),
    ];
    for (form, said) in refusals {
        let refused = post_owned(&admin, "/admin/upstreams", &form).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{said}");
        let page = refused.text().await.expect("page");
        assert!(page.contains(said), "{said}: {page}");
        assert!(!page.contains(UP_SECRET), "a refused form does not show the secret again");
    }
    assert!(stored(&pair.down).await.is_empty(), "nothing stored");

    assert_eq!(post_owned(&admin, "/admin/upstreams", &good).await.status(), StatusCode::SEE_OTHER);
    let taken = post_owned(&admin, "/admin/upstreams", &good).await;
    assert_eq!(taken.status(), StatusCode::BAD_REQUEST);
    assert!(taken.text().await.expect("page").contains("already exists"));
    let bad_edit = post(&admin, "/admin/upstreams/idp", &[("name", ""), ("client_id", "downstream")]).await;
    assert_eq!(bad_edit.status(), StatusCode::BAD_REQUEST);
    let mistyped = post(&admin, "/admin/upstreams/idp/delete", &[("confirm", "other")]).await;
    assert_eq!(mistyped.status(), StatusCode::BAD_REQUEST);
    assert!(mistyped.text().await.expect("page").contains("nothing was deleted"));
    let row = stored(&pair.down).await.remove(0);
    assert_eq!(row.name, "idp provider", "unchanged");
    assert_eq!(events(&pair.down, "admin.upstream_updated").await.len(), 0);

    // The configuration file's provider is shown read-only and changed by no form.
    let file_page = admin.get("/admin/upstreams/corp").await.text().await.expect("page");
    assert!(file_page.contains("declared in the configuration file") && file_page.contains("<fieldset disabled>"));
    let edit = post(&admin, "/admin/upstreams/corp", &[("name", "Changed"), ("client_id", "c")]).await;
    assert_eq!(edit.status(), StatusCode::CONFLICT);
    let delete = post(&admin, "/admin/upstreams/corp/delete", &[("confirm", "corp")]).await;
    assert_eq!(delete.status(), StatusCode::CONFLICT);
    assert_eq!(admin.get("/admin/upstreams/nobody").await.status(), StatusCode::NOT_FOUND);
    let forged = admin.post_form("/admin/upstreams/idp/delete", &[("csrf", "forged"), ("confirm", "idp")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&pair.down).await.len(), 1, "still there");
}
on_every_backend!(bad_forms_change_nothing);

async fn without_the_secrets_key_no_provider_is_made(backend: Backend) {
    let pair = pair_without_entries(backend, |config| config.security.secrets_key = None).await;
    // Without the key, administrators need no second step (`admin.require_mfa` unset).
    let user = pair.down.user("root@example.org").await;
    grant_admin(&pair.down.db, &user, By::Operator).await.expect("granted");
    let admin = signed_in_browser(&pair.down, "root@example.org").await;
    let refused = post_owned(&admin, "/admin/upstreams", &idp_form(&pair)).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.expect("page").contains("MANA_AUTH_SECRETS_KEY"));
    assert!(stored(&pair.down).await.is_empty());
}
on_every_backend!(without_the_secrets_key_no_provider_is_made);

async fn a_secret_that_no_longer_opens_is_said_and_typed_again(backend: Backend) {
    let pair = pair_without_entries(backend, |_| {}).await;
    let (admin, _) = admin_browser(&pair.down, "root@example.org").await;
    assert_eq!(post_owned(&admin, "/admin/upstreams", &idp_form(&pair)).await.status(), StatusCode::SEE_OTHER);
    // As after the secrets key changed: the sealed secret no longer opens.
    let mut row: upstreams::ActiveModel = stored(&pair.down).await.remove(0).into();
    row.client_secret = Set(vec![0; 40]);
    row.update(&pair.down.db).await.expect("damaged");
    pair.down.state.upstreams.forget();

    let list = admin.get("/admin/upstreams").await.text().await.expect("page");
    assert!(list.contains("its client secret does not open with the secrets key"), "{list}");
    assert_eq!(
        secrets_check(&pair.down, &pair.down.state.config).await,
        ["sign-in provider `idp`: its client secret does not open with the secrets key"]
    );
    assert!(!sign_in_page(&pair.down).await.contains("Sign in with"), "not offered");
    assert_eq!(Browser::new(&pair.down.base).get("/login/upstream/idp").await.status(), StatusCode::NOT_FOUND);

    let fields = [("name", "idp provider"), ("client_id", "downstream"), ("auto_create", "on")];
    let kept = post(&admin, "/admin/upstreams/idp", &fields).await;
    assert_eq!(kept.status(), StatusCode::BAD_REQUEST);
    assert!(kept.text().await.expect("page").contains("enter it again"));
    let typed =
        post(&admin, "/admin/upstreams/idp", &[fields.as_slice(), &[("client_secret", UP_SECRET)]].concat()).await;
    assert_eq!(typed.status(), StatusCode::SEE_OTHER);
    upstream_person(&pair, "finn@example.org", true).await;
    let again = attempt(&pair, "").await;
    assert!(through_upstream(&pair, &again, "finn@example.org").await.1.is_some(), "offered and working again");
    assert!(secrets_check(&pair.down, &pair.down.state.config).await.is_empty());
    // Under another key, neither the provider's secret nor the administrator's TOTP secret opens.
    let mut other = (*pair.down.state.config).clone();
    other.security.secrets_key = Some(Secret::new("another secrets key of at least 32 chars"));
    let problems = secrets_check(&pair.down, &other).await;
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("1 TOTP secret(s) do not open") && problems[1].contains("`idp`"), "{problems:?}");
    other.security.secrets_key = None;
    assert!(secrets_check(&pair.down, &other).await[0].contains("are sealed, and MANA_AUTH_SECRETS_KEY is not set"));
}

/// What `mana-auth doctor` finds of the sealed secrets, under `config`.
async fn secrets_check(app: &TestApp, config: &mana_auth::config::Config) -> Vec<String> {
    let checks = mana_auth::ops::doctor::run(&app.db, config).await.expect("doctor");
    checks.into_iter().find(|check| check.name == "secrets").expect("a secrets check").problems
}
on_every_backend!(a_secret_that_no_longer_opens_is_said_and_typed_again);
