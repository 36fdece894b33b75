//! The admin pages' audit, keys and organizations: the audit search by account, type
//! and time a page at a time; a rotation and the emergency rotation behind its typed
//! word; organizations with their members. Only administrators get in, and forms
//! without their CSRF field change nothing.

use mana_auth::{
    config::NotifyTarget,
    security::audit::{Event, Kind},
    store::{jwks, organizations},
};
use reqwest::StatusCode;
use serde_json::Value;

use crate::{
    common::{
        Backend, TestApp,
        browser::{Browser, hidden_field, location},
    },
    console::{admin_browser, events},
    mfa::signed_in_browser,
    on_every_backend,
};

async fn page(browser: &Browser, path: &str) -> String {
    let response = browser.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.expect("page")
}

fn rows(html: &str) -> usize {
    html.matches("<tr>").count().saturating_sub(1)
}

async fn published_kids(app: &TestApp) -> Vec<String> {
    let set: Value = reqwest::get(app.url("/.well-known/jwks.json")).await.expect("get").json().await.expect("json");
    set["keys"].as_array().expect("keys").iter().map(|k| k["kid"].as_str().expect("kid").to_owned()).collect()
}

async fn the_audit_is_searched_by_account_type_and_time(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    let ada = app.user("ada@example.org").await;
    for _ in 0..60 {
        Event::new(Kind::SignInFailed).user(ada.id.as_str()).record(&app.db).await;
    }
    Event::new(Kind::PasswordChanged).user(ada.id.as_str()).record(&app.db).await;

    let all = page(&admin, "/admin/audit?user=ada%40example.org").await;
    assert_eq!(rows(&all), 50, "a page of 50");
    assert!(all.contains("password.changed") && !all.contains("mfa.enrolled"), "only her events");
    let older = hidden_link(&all, "Older events");
    let rest = page(&admin, &older).await;
    assert_eq!(rows(&rest), 12, "the rest: 60 failures, the change and her account's creation");
    assert!(!rest.contains("Older events"));

    let changes = page(&admin, &format!("/admin/audit?user={}&type=password.changed&since=1h", ada.id)).await;
    assert_eq!(rows(&changes), 1);
    let none = page(&admin, "/admin/audit?type=password.changed&until=2020-01-01T00:00:00Z").await;
    assert_eq!(rows(&none), 0);
    let bad = page(&admin, "/admin/audit?since=last+week").await;
    assert!(bad.contains("Invalid search: `last week`: use 30m, 24h, 7d or an RFC 3339 time"), "{bad}");
    let unknown = page(&admin, "/admin/audit?user=nobody%40example.org").await;
    assert!(unknown.contains("no account with email nobody@example.org"));
}
on_every_backend!(the_audit_is_searched_by_account_type_and_time);

/// The `href` of the link whose text is `text`.
fn hidden_link(html: &str, text: &str) -> String {
    let end = html.find(&format!("\">{text}</a>")).unwrap_or_else(|| panic!("no link {text}"));
    let start = html[..end].rfind("href=\"").expect("href") + "href=\"".len();
    html[start..end].replace("&#38;", "&").replace("&amp;", "&")
}

async fn keys_rotate_by_hand_and_in_an_emergency(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, admin_user) = admin_browser(&app, "root@example.org").await;
    let before = published_kids(&app).await;
    let html = page(&admin, "/admin/keys").await;
    assert_eq!(rows(&html), 2, "an Ed25519 and an RSA key");
    let csrf = hidden_field(&html, "csrf");

    let rotated = admin.post_form("/admin/keys/rotate", &[("csrf", &csrf)]).await;
    assert_eq!(location(&rotated), "/admin/keys");
    let stored = jwks::all(&app.db).await.expect("keys");
    assert_eq!(stored.iter().filter(|k| k.status == "next").count(), 2, "a next key of each algorithm");
    assert!(published_kids(&app).await.len() == 4, "published before they sign");
    let recorded = events(&app, "admin.keys_rotated").await;
    assert!(recorded[0].details.as_deref().unwrap_or_default().contains(&admin_user.id));

    let wrong = admin.post_form("/admin/keys/emergency", &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(jwks::all(&app.db).await.expect("keys").len(), 4, "nothing dropped");
    let dropped = admin.post_form("/admin/keys/emergency", &[("csrf", &csrf), ("confirm", "emergency")]).await;
    assert_eq!(location(&dropped), "/admin/keys");
    let after = published_kids(&app).await;
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|kid| !before.contains(kid)), "every earlier key is gone");
    assert_eq!(events(&app, "admin.keys_emergency_rotation").await.len(), 1);
}
on_every_backend!(keys_rotate_by_hand_and_in_an_emergency);

async fn organizations_are_listed_with_their_members(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    let ada = app.user("ada@example.org").await;
    let grace = app.user("grace@example.org").await;
    let org = organizations::create(&app.db, "Analytical Engines").await.expect("org");
    organizations::add_member(&app.db, &org.id, &ada.id, "owner").await.expect("owner");
    organizations::add_member(&app.db, &org.id, &grace.id, "member").await.expect("member");

    let list = page(&admin, "/admin/organizations").await;
    assert!(list.contains("Analytical Engines") && list.contains("<td>2</td>"), "{list}");
    let one = page(&admin, &format!("/admin/organizations/{}", org.id)).await;
    assert!(one.contains("ada@example.org") && one.contains("owner"));
    assert!(one.contains("grace@example.org") && one.contains("member"));
    assert_eq!(admin.get("/admin/organizations/nope").await.status(), StatusCode::NOT_FOUND);
    assert_eq!(rows(&page(&admin, "/admin/organizations?page=18446744073709551615").await), 0);
}
on_every_backend!(organizations_are_listed_with_their_members);

async fn only_administrators_reach_these_pages_and_forms(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    app.user("ada@example.org").await;
    let member = signed_in_browser(&app, "ada@example.org").await;
    let anonymous = Browser::new(&app.base);
    let kids = published_kids(&app).await;
    for path in ["/admin/audit", "/admin/keys", "/admin/organizations"] {
        assert_eq!(location(&anonymous.get(path).await), "/login?reauth=1", "{path}");
        assert_eq!(member.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    for form in ["/admin/keys/rotate", "/admin/keys/emergency"] {
        let fields = [("csrf", "x"), ("confirm", "emergency")];
        assert_eq!(member.post_form(form, &fields).await.status(), StatusCode::FORBIDDEN, "{form}");
        assert_eq!(admin.post_form(form, &fields).await.status(), StatusCode::FORBIDDEN, "{form}: forged");
        assert_eq!(admin.post_form(form, &fields[1..]).await.status(), StatusCode::BAD_REQUEST, "{form}: none");
    }
    assert_eq!(published_kids(&app).await, kids, "no key changed");
    assert!(events(&app, "admin.keys_rotated").await.is_empty());
}
on_every_backend!(only_administrators_reach_these_pages_and_forms);

async fn credits_are_adjusted_with_a_reason_and_the_ledger_checked(backend: Backend) {
    let app = TestApp::spawn(backend).await;
    let (admin, admin_user) = admin_browser(&app, "root@example.org").await;
    let ada = app.user("ada@example.org").await;
    let html = page(&admin, "/admin/credits").await;
    assert!(html.contains("Every transaction balances"), "{html}");
    let csrf = hidden_field(&html, "csrf");
    let grant = |amount: &'static str, reason: &'static str, email: &'static str| {
        let (admin, csrf) = (&admin, csrf.clone());
        async move {
            let form = [("csrf", csrf.as_str()), ("email", email), ("amount", amount), ("reason", reason)];
            admin.post_form("/admin/credits", &form).await
        }
    };
    for (amount, reason, email, says) in [
        ("ten", "goodwill", "ada@example.org", "the amount must be a whole number"),
        ("0", "goodwill", "ada@example.org", "the amount must be from 1 to 1000000 or from -1000000 to -1"),
        ("-5", "goodwill", "ada@example.org", "the paid wallet holds 0 credits, fewer than 5"),
        ("10", " ", "ada@example.org", "a reason is required"),
        ("10", "goodwill", "nobody@example.org", "no user with email nobody@example.org"),
    ] {
        let refused = grant(amount, reason, email).await;
        assert_eq!(refused.status(), StatusCode::BAD_REQUEST, "{amount} {reason} {email}");
        assert!(refused.text().await.expect("page").contains(says), "{says}");
    }
    let before = mana_auth::store::ledger::wallet_balances(&app.db, &ada.id).await.expect("balances");
    let granted = grant("25", "sorry for the outage", "ada@example.org").await;
    assert_eq!(location(&granted), format!("/admin/users/{}", ada.id));
    let after = mana_auth::store::ledger::wallet_balances(&app.db, &ada.id).await.expect("balances");
    assert_eq!((after.0, after.1), (before.0, before.1 + 25), "into the paid wallet");
    let recorded = events(&app, "admin.credits_adjusted").await;
    assert_eq!(recorded.len(), 1);
    let details = recorded[0].details.as_deref().unwrap_or_default();
    assert!(details.contains(&admin_user.id) && details.contains("sorry for the outage"));
    let taken = grant("-10", "granted too much", "ada@example.org").await;
    assert_eq!(location(&taken), format!("/admin/users/{}", ada.id));
    let after = mana_auth::store::ledger::wallet_balances(&app.db, &ada.id).await.expect("balances");
    assert_eq!((after.0, after.1), (before.0, before.1 + 15), "taken back from the paid wallet");
    assert_eq!(events(&app, "admin.credits_adjusted").await.len(), 2);
    assert!(page(&admin, "/admin/credits").await.contains("Every transaction balances"));
    let forged = admin
        .post_form(
            "/admin/credits",
            &[("csrf", "forged"), ("email", "ada@example.org"), ("amount", "5"), ("reason", "x")],
        )
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let member = signed_in_browser(&app, "ada@example.org").await;
    assert_eq!(member.get("/admin/credits").await.status(), StatusCode::FORBIDDEN);
    let again = mana_auth::store::ledger::wallet_balances(&app.db, &ada.id).await.expect("balances");
    assert_eq!(again, after, "nothing more was granted");
}
on_every_backend!(credits_are_adjusted_with_a_reason_and_the_ledger_checked);

/// A webhook's URL is its credential.
const WEBHOOK: &str = "https://hooks.example.org/services/T0/B0/s3cr3t";

/// An app whose backups go to a directory of their own, with `key` as backup key, and
/// a webhook to notify.
async fn app_backing_up(backend: Backend, key: Option<&str>) -> (TestApp, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("mana-auth-system-{}", mana_auth::security::opaque::random_token(6)));
    let (backups, key) = (dir.display().to_string(), key.map(mana_auth::config::Secret::new));
    let app = TestApp::spawn_with(backend, move |config| {
        config.backup.dir = backups;
        config.backup.key = key;
        config.notify.targets.push(NotifyTarget::Webhook { url: WEBHOOK.into() });
    })
    .await;
    (app, dir)
}

async fn the_system_page_tells_the_state_with_secrets_redacted(backend: Backend) {
    let (app, dir) = app_backing_up(backend, None).await;
    let (admin, _) = admin_browser(&app, "root@example.org").await;
    let html = page(&admin, "/admin/system").await;
    assert!(html.contains(env!("CARGO_PKG_VERSION")));
    assert!(html.contains(&mana_auth::store::schema::expected_version()), "the schema is current");
    assert!(html.contains("Ready: this process takes requests."));
    assert!(html.contains("Last scheduled backup written: never"));
    assert!(html.contains("[redacted]"));
    for secret in [crate::common::SECRETS_KEY, crate::common::RP_SECRET, crate::common::SERVICE_SECRET, WEBHOOK] {
        assert!(!html.contains(secret), "a secret on the page");
    }
    // Without a backup key nothing is written, and the page says why.
    let refused = admin.post_form("/admin/system/backup", &[("csrf", &hidden_field(&html, "csrf"))]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(refused.text().await.expect("page").contains("no backup key"));
    // A scheduled backup that ended well, by any process, is shown with its time.
    let tick = mana_auth::store::now();
    assert!(mana_auth::store::job_runs::claim(&app.db, "backup", tick).await.expect("claimed"));
    mana_auth::store::job_runs::finished(&app.db, "backup", tick).await.expect("finished");
    let html = page(&admin, "/admin/system").await;
    assert!(!html.contains("Last scheduled backup written: never"), "a time now");
    assert!(events(&app, "admin.backup_created").await.is_empty());
    assert!(std::fs::read_dir(&dir).map_or(0, Iterator::count) == 0);
}
on_every_backend!(the_system_page_tells_the_state_with_secrets_redacted);

async fn a_backup_is_made_from_the_system_page(backend: Backend) {
    let (app, dir) = app_backing_up(backend, Some("backup passphrase for tests")).await;
    let (admin, admin_user) = admin_browser(&app, "root@example.org").await;
    let csrf = hidden_field(&page(&admin, "/admin/system").await, "csrf");
    let forged = admin.post_form("/admin/system/backup", &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let made = admin.post_form("/admin/system/backup", &[("csrf", &csrf)]).await;
    assert_eq!(location(&made), "/admin/system");
    let listed = page(&admin, "/admin/system").await;
    assert_eq!(rows(&listed), 1, "the new backup is listed");
    assert!(!listed.contains("backup passphrase for tests"));
    assert_eq!(std::fs::read_dir(&dir).expect("dir").count(), 1, "one file, the forged form wrote none");
    let recorded = events(&app, "admin.backup_created").await;
    assert!(recorded[0].details.as_deref().unwrap_or_default().contains(&admin_user.id));
    let _ = std::fs::remove_dir_all(&dir);
}
on_every_backend!(a_backup_is_made_from_the_system_page);
