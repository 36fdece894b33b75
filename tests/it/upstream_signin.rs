//! Signing in through another OpenID provider (a second mana-auth): a new account at
//! the first sign-in, the same one after; an address that has an account links only
//! after its password, or at once where both sides confirmed it and the operator
//! allows it; an unconfirmed address neither links nor creates. The relying party
//! checks the id_token (`amr` = `fed`) against the JWKS, and none of the upstream's
//! tokens is stored.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::credit_transactions;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::{
    common::{Backend, PASSWORD},
    on_every_backend,
    upstream_pair::{account, attempt, events, id_token_claims, identities, pair, through_upstream, upstream_person},
};

/// Every JWT stored anywhere in this provider's database that the upstream issued.
pub(crate) async fn stored_upstream_tokens(db: &mana_auth::store::db::Db, upstream: &str) -> Vec<String> {
    let tables = mana_auth::ops::backup::snapshot::dump_all(db).await.expect("dump");
    jwts_issued_by(&serde_json::to_string(&tables).expect("json"), upstream)
}

/// The JWTs in `text` whose `iss` is `issuer`.
fn jwts_issued_by(text: &str, issuer: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
        .filter(|word| word.starts_with("eyJ") && word.matches('.').count() == 2)
        .filter(|jwt| {
            let payload = jwt.split('.').nth(1).and_then(|p| URL_SAFE_NO_PAD.decode(p).ok());
            let claims: Option<Value> = payload.and_then(|p| serde_json::from_slice(&p).ok());
            claims.is_some_and(|c| c["iss"] == issuer)
        })
        .map(str::to_owned)
        .collect()
}

async fn a_new_person_gets_an_account_at_the_first_sign_in_and_the_same_one_after(backend: Backend) {
    let pair = pair(backend, |_| {}).await;
    upstream_person(&pair, "ada@example.org", true).await;

    let first = attempt(&pair, "").await;
    let first_req = first.req.clone();
    let (_, back) = through_upstream(&pair, &first, "ada@example.org").await;
    let claims = id_token_claims(&first, &back.expect("back at the client")).await;
    assert_eq!(claims["amr"], json!(["fed"]));
    assert_eq!(claims["email"], "ada@example.org");
    let ada = account(&pair.down, "ada@example.org").await.expect("an account here");
    assert_eq!(claims["sub"], ada.id.as_str(), "our own subject, not the upstream's");
    assert!(ada.email_verified, "confirmed by the upstream");
    assert_eq!(ada.username.as_deref(), Some("ada"));
    let bonus = credit_transactions::Entity::find()
        .filter(credit_transactions::Column::Reference.eq(format!("signup:{}", ada.id)))
        .all(&pair.down.db)
        .await
        .expect("ledger");
    assert_eq!(bonus.len(), 1, "the sign-up bonus, like every new account");
    assert_eq!(bonus[0].amount, pair.down.state.config.credits.signup_bonus);
    let linked = identities(&pair.down).await;
    assert_eq!(linked.len(), 1);
    assert_eq!((linked[0].user_id.as_str(), linked[0].issuer.as_str()), (ada.id.as_str(), pair.up.base.as_str()));
    assert!(linked[0].tokens.is_none(), "nothing kept without store_tokens");
    let created = events(&pair.down, "account.created").await;
    assert!(created[0].details.as_deref().is_some_and(|d| d.contains("\"upstream\"")));

    let second = attempt(&pair, "").await;
    let (_, back) = through_upstream(&pair, &second, "ada@example.org").await;
    let claims = id_token_claims(&second, &back.expect("back at the client")).await;
    assert_eq!(claims["sub"], ada.id.as_str(), "the same account");
    assert_eq!(identities(&pair.down).await.len(), 1);
    assert_eq!(events(&pair.down, "upstream.signed_in").await.len(), 2);
    assert_eq!(events(&pair.down, "account.created").await.len(), 1);
    assert!(stored_upstream_tokens(&pair.down.db, &pair.up.base).await.is_empty(), "no upstream token is kept");
    // The search finds a JWT where there is one: the `req` this provider signed.
    let text = json!({ "carried": first_req }).to_string();
    assert_eq!(jwts_issued_by(&text, &pair.down.base), [first_req]);
}

async fn an_address_with_an_account_links_only_after_its_password(backend: Backend) {
    // Both addresses confirmed and linking by address allowed: the account here is not
    // confirmed, so only its password links.
    let pair = pair(backend, |entry| entry.link_by_verified_email = true).await;
    upstream_person(&pair, "bea@example.org", true).await;
    let bea = pair.down.user("bea@example.org").await;

    let first = attempt(&pair, "").await;
    let (page, back) = through_upstream(&pair, &first, "bea@example.org").await;
    assert!(back.is_none(), "no silent merge");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("sign-in page");
    assert!(html.contains("Sign in to it once to link your idp provider account"), "{html}");
    assert!(html.contains("value=\"bea@example.org\""));
    assert!(identities(&pair.down).await.is_empty());

    let signed_in = first.browser.submit_sign_in(&html, "bea@example.org", PASSWORD).await;
    let (_, back) = crate::common::upstream::follow_all(&first.browser, signed_in).await;
    let claims = id_token_claims(&first, &back.expect("back at the client")).await;
    assert_eq!((claims["sub"].as_str(), &claims["amr"]), (Some(bea.id.as_str()), &json!(["pwd"])));
    let linked = identities(&pair.down).await;
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].user_id, bea.id);
    let how = events(&pair.down, "upstream.linked").await;
    assert!(how[0].details.as_deref().is_some_and(|d| d.contains("\"password\"")));

    let again = attempt(&pair, "").await;
    let (_, back) = through_upstream(&pair, &again, "bea@example.org").await;
    let claims = id_token_claims(&again, &back.expect("straight back now")).await;
    assert_eq!((claims["sub"].as_str(), &claims["amr"]), (Some(bea.id.as_str()), &json!(["fed"])));
}

async fn confirmed_addresses_link_at_once_only_where_allowed(backend: Backend) {
    let pair = pair(backend.clone(), |entry| entry.link_by_verified_email = true).await;
    upstream_person(&pair, "cem@example.org", true).await;
    let cem = pair.down.user("cem@example.org").await;
    mana_auth::store::users::set_verified_email(&pair.down.db, &cem.id, "cem@example.org").await.expect("confirmed");

    let first = attempt(&pair, "").await;
    let (_, back) = through_upstream(&pair, &first, "cem@example.org").await;
    let claims = id_token_claims(&first, &back.expect("linked at once")).await;
    assert_eq!(claims["sub"], cem.id.as_str());
    let how = events(&pair.down, "upstream.linked").await;
    assert!(how[0].details.as_deref().is_some_and(|d| d.contains("\"verified_email\"")));

    // The default leaves linking to the password, whatever both sides confirmed.
    let strict = crate::upstream_pair::pair(backend, |_| {}).await;
    upstream_person(&strict, "cem@example.org", true).await;
    let other = strict.down.user("cem@example.org").await;
    mana_auth::store::users::set_verified_email(&strict.down.db, &other.id, "cem@example.org").await.expect("ok");
    let first = attempt(&strict, "").await;
    let (page, back) = through_upstream(&strict, &first, "cem@example.org").await;
    assert!(back.is_none());
    assert!(page.text().await.expect("page").contains("Sign in to it once"));
    assert!(identities(&strict.down).await.is_empty());
}

async fn an_unconfirmed_upstream_address_neither_links_nor_creates(backend: Backend) {
    let pair = pair(backend, |entry| entry.link_by_verified_email = true).await;
    upstream_person(&pair, "dan@example.org", false).await;
    upstream_person(&pair, "new@example.org", false).await;
    let dan = pair.down.user("dan@example.org").await;
    mana_auth::store::users::set_verified_email(&pair.down.db, &dan.id, "dan@example.org").await.expect("confirmed");

    for email in ["dan@example.org", "new@example.org"] {
        let attempt = attempt(&pair, "").await;
        let (page, back) = through_upstream(&pair, &attempt, email).await;
        assert!(back.is_none(), "{email}");
        assert_eq!(page.status(), 403, "{email}");
        let html = page.text().await.expect("page");
        assert!(html.contains("has not confirmed your email address"), "{html}");
        assert!(html.contains("/login?req="), "the way back to the same request");
    }
    assert!(identities(&pair.down).await.is_empty());
    assert!(account(&pair.down, "new@example.org").await.is_none());
    assert!(events(&pair.down, "upstream.signed_in").await.is_empty());
}

async fn without_auto_create_a_stranger_is_told_to_link_from_an_account(backend: Backend) {
    let pair = pair(backend, |entry| entry.auto_create = false).await;
    upstream_person(&pair, "eve@example.org", true).await;
    let attempt = attempt(&pair, "").await;
    let (page, back) = through_upstream(&pair, &attempt, "eve@example.org").await;
    assert!(back.is_none());
    assert_eq!(page.status(), 403);
    assert!(page.text().await.expect("page").contains("No account here is linked to your idp provider account"));
    assert!(account(&pair.down, "eve@example.org").await.is_none());
}

on_every_backend!(a_new_person_gets_an_account_at_the_first_sign_in_and_the_same_one_after);
on_every_backend!(an_address_with_an_account_links_only_after_its_password);
on_every_backend!(confirmed_addresses_link_at_once_only_where_allowed);
on_every_backend!(an_unconfirmed_upstream_address_neither_links_nor_creates);
on_every_backend!(without_auto_create_a_stranger_is_told_to_link_from_an_account);
