//! Mana Core Auth's rows as mana-auth's: the same ids, so the `sub` of a token the old
//! service issued names the same user; passwords in a self-describing scrypt form; keys
//! as public JWKs; the credits as history plus one opening balance per user. Anything
//! the import cannot carry over faithfully stops it here, before a row is written.

use std::collections::{HashMap, HashSet};

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::{
    auth_sessions, credit_packages, credit_purchases, credit_transactions, organization_members, organizations, users,
};
use serde_json::{Value, json};

use super::{ImportError, source};
use crate::{
    security::{passwords::NO_PASSWORD, scrypt_hash},
    store::users::normalize_email,
};

/// A public key of the old service, published as retired.
pub struct RetiredKey {
    pub kid: String,
    pub alg: &'static str,
    pub public_jwk: String,
    pub created_at: i64,
}

/// A user's credits when the old service stopped.
pub struct OpeningBalance {
    pub user_id: String,
    pub free: i64,
    pub paid: i64,
}

/// What the import writes.
pub struct Rows {
    pub users: Vec<users::Model>,
    pub sessions: Vec<auth_sessions::Model>,
    pub organizations: Vec<organizations::Model>,
    pub members: Vec<organization_members::Model>,
    pub keys: Vec<RetiredKey>,
    pub packages: Vec<credit_packages::Model>,
    pub purchases: Vec<credit_purchases::Model>,
    /// Past movements, for the user's view: the balance comes from `balances` alone.
    pub history: Vec<credit_transactions::Model>,
    pub balances: Vec<OpeningBalance>,
}

pub fn rows(source: source::Source) -> Result<Rows, ImportError> {
    Ok(Rows {
        users: one_account_per_email(source.users.into_iter().map(user).collect::<Result<_, _>>()?)?,
        sessions: source.sessions.into_iter().map(session).collect(),
        organizations: source
            .organizations
            .into_iter()
            .map(|o| organizations::Model { id: o.id, name: o.name, created_at: o.created_at })
            .collect(),
        members: source.members.into_iter().map(member).collect::<Result<_, _>>()?,
        keys: source.keys.into_iter().map(key).collect::<Result<_, _>>()?,
        packages: source.packages.into_iter().map(package).collect(),
        purchases: source.purchases.into_iter().map(purchase).collect(),
        history: history(source.transactions),
        balances: source
            .balances
            .into_iter()
            .map(|b| OpeningBalance { user_id: b.user_id, free: b.free, paid: b.paid })
            .collect(),
    })
}

fn user(user: source::User) -> Result<users::Model, ImportError> {
    let password_hash = match &user.hashed_password {
        Some(hashed) => scrypt_hash::from_better_auth(hashed).ok_or_else(|| {
            ImportError::Unsupported(format!(
                "user {}: the password hash is not in Better Auth's scrypt format",
                user.id
            ))
        })?,
        None => NO_PASSWORD.to_owned(),
    };
    Ok(users::Model {
        email: normalize_email(&user.email),
        id: user.id,
        username: None,
        name: user.name,
        password_hash,
        email_verified: user.email_verified,
        role: user.role,
        language: None,
        disabled_at: None,
        created_at: user.created_at,
        updated_at: user.updated_at,
    })
}

/// Emails the old service told apart (by case or Unicode form) are one address to
/// mana-auth; two accounts with one address cannot both come over.
fn one_account_per_email(users: Vec<users::Model>) -> Result<Vec<users::Model>, ImportError> {
    let mut seen = HashMap::new();
    for user in &users {
        if let Some(other) = seen.insert(user.email.as_str(), user.id.as_str()) {
            return Err(ImportError::Unsupported(format!(
                "users {other} and {}: one email address in mana-auth's form",
                user.id
            )));
        }
    }
    Ok(users)
}

/// Sessions keep their ids, devices and times: one still valid stays signed in until it
/// expires, listed with the user's sessions where it can be ended. Its bearer token is
/// the old service's and does not come over.
fn session(session: source::Session) -> auth_sessions::Model {
    auth_sessions::Model {
        id: session.id,
        user_id: session.user_id,
        auth_time: session.created_at,
        created_at: session.created_at,
        last_used_at: session.updated_at,
        expires_at: session.expires_at,
        revoked_at: session.revoked_at,
        user_agent: session.user_agent,
        ip: session.ip_address,
        device_id: session.device_id,
        device_name: session.device_name,
        amr: "pwd".into(),
    }
}

fn member(member: source::Member) -> Result<organization_members::Model, ImportError> {
    if !["owner", "admin", "member"].contains(&member.role.as_str()) {
        return Err(ImportError::Unsupported(format!(
            "member {} of organization {}: unknown role `{}`",
            member.user_id, member.organization_id, member.role
        )));
    }
    Ok(organization_members::Model {
        organization_id: member.organization_id,
        user_id: member.user_id,
        role: member.role,
        created_at: member.created_at,
    })
}

/// The old service's public key, named by its row id (the `kid` of its tokens).
fn key(key: source::Key) -> Result<RetiredKey, ImportError> {
    let unsupported = |why: &str| ImportError::Unsupported(format!("key {}: {why}", key.id));
    let jwk: Value = serde_json::from_str(&key.public_key).map_err(|_| unsupported("the public key is not JSON"))?;
    let member = |name: &str| jwk[name].as_str().filter(|v| URL_SAFE_NO_PAD.decode(v).is_ok_and(|b| !b.is_empty()));
    let (alg, mut public) = match (jwk["kty"].as_str(), jwk["crv"].as_str()) {
        (Some("OKP"), Some("Ed25519")) => {
            let x = jwk["x"]
                .as_str()
                .filter(|x| URL_SAFE_NO_PAD.decode(x).is_ok_and(|b| b.len() == 32))
                .ok_or_else(|| unsupported("an Ed25519 key without a valid `x`"))?;
            ("EdDSA", json!({"kty": "OKP", "crv": "Ed25519", "x": x}))
        }
        (Some("RSA"), _) => {
            let (Some(n), Some(e)) = (member("n"), member("e")) else {
                return Err(unsupported("an RSA key without a valid `n` and `e`"));
            };
            ("RS256", json!({"kty": "RSA", "n": n, "e": e}))
        }
        _ => return Err(unsupported("only Ed25519 and RSA keys can be published")),
    };
    public["kid"] = json!(key.id);
    public["use"] = json!("sig");
    public["alg"] = json!(alg);
    Ok(RetiredKey { kid: key.id, alg, public_jwk: public.to_string(), created_at: key.created_at })
}

/// Packages for the history of purchases; what is for sale is `[[credits.packages]]`.
fn package(package: source::Package) -> credit_packages::Model {
    credit_packages::Model {
        id: package.id,
        name: package.name,
        credits: package.credits,
        price_cents: package.price_cents,
        currency: package.currency.to_lowercase(),
        active: false,
    }
}

fn purchase(purchase: source::Purchase) -> credit_purchases::Model {
    credit_purchases::Model {
        id: purchase.id,
        user_id: purchase.user_id,
        // A purchase whose package was deleted names none.
        package_id: purchase.package_id.unwrap_or_default(),
        credits: purchase.credits,
        price_cents: purchase.price_cents,
        currency: purchase.currency.to_lowercase(),
        status: purchase.status,
        created_at: purchase.created_at,
        completed_at: purchase.completed_at,
    }
}

/// Past movements in mana-auth's terms: credits used are `spend` with a positive amount.
/// A day's free credits carry the reference mana-auth's own daily grant uses, so a day
/// the old service granted them is not granted again.
fn history(transactions: Vec<source::Transaction>) -> Vec<credit_transactions::Model> {
    let mut daily_granted = HashSet::new();
    transactions
        .into_iter()
        .map(|tx| {
            let (kind, amount) = match tx.kind.as_str() {
                "usage" => ("spend".to_owned(), -tx.amount),
                _ => (tx.kind, tx.amount),
            };
            let daily = format!("daily:{}:{}", tx.user_id, tx.created_at.div_euclid(86_400));
            let reference = (kind == "daily_free" && daily_granted.insert(daily.clone())).then_some(daily);
            credit_transactions::Model {
                id: tx.id,
                user_id: Some(tx.user_id),
                kind,
                amount,
                from_free: 0,
                from_paid: 0,
                balance_after: tx.balance_after,
                app_id: tx.app_id,
                description: tx.description,
                metadata: tx.metadata,
                reference,
                created_at: tx.created_at,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
