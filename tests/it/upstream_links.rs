//! Linking and unlinking upstream identities on the account page: the link goes to the
//! upstream and back, an identity belongs to one account, the last way to sign in
//! stays, and forged forms change nothing.

use crate::{
    common::{
        Backend,
        browser::{Browser, hidden_field, location},
        upstream::follow_all,
    },
    mfa::signed_in_browser,
    on_every_backend,
    upstream_pair::{
        Pair, account, attempt, events, id_token_claims, identities, pair, sign_in_at_upstream, through_upstream,
        upstream_person,
    },
};
use reqwest::StatusCode;

/// The account page's link to the upstream.
async fn link_address(browser: &Browser) -> String {
    let page = browser.get("/account/upstreams").await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("page");
    assert!(html.contains("Not linked."), "{html}");
    let start = html.find("/account/upstreams/idp/link?csrf=").expect("a link");
    html[start..].split('"').next().expect("href").to_owned()
}

/// Links the upstream identity `email` from `browser`'s account: the page it ends on.
async fn link(pair: &Pair, browser: &Browser, email: &str) -> reqwest::Response {
    let to_upstream = browser.get(&link_address(browser).await).await;
    assert_eq!(to_upstream.status(), StatusCode::SEE_OTHER);
    let callback = sign_in_at_upstream(pair, browser, &location(&to_upstream), email, None).await;
    follow_all(browser, browser.get(&callback).await).await.0
}

async fn an_account_links_and_unlinks_an_upstream_identity(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "carl-up@example.org", false).await;
    let carl = pair.down.user("carl@example.org").await;
    let browser = signed_in_browser(&pair.down, "carl@example.org").await;

    let linked_page = link(&pair, &browser, "carl-up@example.org").await;
    assert_eq!(linked_page.status(), 200);
    let html = linked_page.text().await.expect("page");
    assert!(html.contains("Unlink idp provider") && html.contains("carl-up@example.org"), "{html}");
    let linked = identities(&pair.down).await;
    assert_eq!((linked.len(), linked[0].user_id.as_str()), (1, carl.id.as_str()));
    let how = events(&pair.down, "upstream.linked").await;
    assert!(how[0].details.as_deref().is_some_and(|d| d.contains("\"account_page\"")));

    let export: serde_json::Value = browser.get("/account/export").await.json().await.expect("export");
    assert_eq!(export["linkedIdentities"][0]["upstream"], "idp");
    assert_eq!(export["linkedIdentities"][0]["email"], "carl-up@example.org");
    let (admin, _) = crate::console::admin_browser(&pair.down, "root@example.org").await;
    let user_page = admin.get(&format!("/admin/users/{}", carl.id)).await.text().await.expect("page");
    assert!(user_page.contains("idp provider (carl-up@example.org)"), "{user_page}");
    let providers = admin.get("/admin/upstreams").await.text().await.expect("page");
    let redirect = format!("<code>{}/login/upstream/idp/callback</code>", pair.down.base);
    assert!(providers.contains(&redirect) && providers.contains("auto_create"), "{providers}");
    assert!(providers.contains("<td>1</td>"), "one linked account: {providers}");

    // The identity signs in to carl now, its address unconfirmed or not: it is linked.
    let attempt = attempt(&pair, "").await;
    let (_, back) = through_upstream(&pair, &attempt, "carl-up@example.org").await;
    assert_eq!(id_token_claims(&attempt, &back.expect("signed in")).await["sub"], carl.id.as_str());

    let forged = browser.post_form("/account/upstreams/idp/unlink", &[("csrf", "forged")]).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(identities(&pair.down).await.len(), 1);
    let csrf = hidden_field(&html, "csrf");
    let unlinked = browser.post_form("/account/upstreams/idp/unlink", &[("csrf", &csrf)]).await;
    assert_eq!(unlinked.status(), StatusCode::SEE_OTHER);
    assert!(identities(&pair.down).await.is_empty());
    assert_eq!(events(&pair.down, "upstream.unlinked").await.len(), 1);
    let again = browser.post_form("/account/upstreams/idp/unlink", &[("csrf", &csrf)]).await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND, "nothing left to unlink");
}

async fn an_identity_belongs_to_one_account(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "shared-up@example.org", false).await;
    pair.down.user("first@example.org").await;
    pair.down.user("second@example.org").await;
    let first = signed_in_browser(&pair.down, "first@example.org").await;
    assert_eq!(link(&pair, &first, "shared-up@example.org").await.status(), 200);

    let second = signed_in_browser(&pair.down, "second@example.org").await;
    let refused = link(&pair, &second, "shared-up@example.org").await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(refused.text().await.expect("page").contains("is linked to another account here"));
    let linked = identities(&pair.down).await;
    assert_eq!(linked.len(), 1);
    let owner = account(&pair.down, "first@example.org").await.expect("first");
    assert_eq!(linked[0].user_id, owner.id, "the first link stays");

    let forged = second.get("/account/upstreams/idp/link?csrf=forged").await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "the link carries the CSRF token");
    let unknown = second.get(&link_address(&second).await.replace("/idp/", "/nope/")).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

async fn the_last_way_to_sign_in_is_not_unlinked(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "only@example.org", true).await;
    // An account made at its first sign-in through the upstream has no password.
    let attempt = attempt(&pair, "").await;
    let (_, back) = through_upstream(&pair, &attempt, "only@example.org").await;
    assert!(back.is_some());
    let browser = attempt.browser;
    let page = browser.get("/account/upstreams").await.text().await.expect("page");
    let refused = browser.post_form("/account/upstreams/idp/unlink", &[("csrf", &hidden_field(&page, "csrf"))]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(refused.text().await.expect("page").contains("the last way to sign in"));
    assert_eq!(identities(&pair.down).await.len(), 1);
    assert!(events(&pair.down, "upstream.unlinked").await.is_empty());
}

on_every_backend!(an_account_links_and_unlinks_an_upstream_identity);
on_every_backend!(an_identity_belongs_to_one_account);
on_every_backend!(the_last_way_to_sign_in_is_not_unlinked);

async fn an_identity_of_a_provider_no_longer_offered_can_still_be_unlinked(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "gwen-up@example.org", false).await;
    pair.down.user("gwen@example.org").await;
    let browser = signed_in_browser(&pair.down, "gwen@example.org").await;
    assert_eq!(link(&pair, &browser, "gwen-up@example.org").await.status(), 200);
    // The same database under a configuration without the provider.
    let without = pair.down.spawn_beside(|_| {}).await;
    let browser = signed_in_browser(&without, "gwen@example.org").await;
    let overview = browser.get("/account").await.text().await.expect("page");
    assert!(overview.contains("href=\"/account/upstreams\""), "the account still finds its links");
    let html = browser.get("/account/upstreams").await.text().await.expect("page");
    assert!(html.contains("no longer offered here") && html.contains("Unlink idp"), "{html}");
    assert!(!html.contains("/account/upstreams/idp/link"), "not linked again");
    let csrf = hidden_field(&html, "csrf");
    let unlinked = browser.post_form("/account/upstreams/idp/unlink", &[("csrf", &csrf)]).await;
    assert_eq!(location(&unlinked), "/account/upstreams");
    assert!(identities(&pair.down).await.is_empty());
    assert_eq!(events(&pair.down, "upstream.unlinked").await.len(), 1);
}
on_every_backend!(an_identity_of_a_provider_no_longer_offered_can_still_be_unlinked);
