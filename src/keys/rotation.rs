//! Key lifecycle: `next` (published, not signing) → `active` → `retired` (published until
//! every token it signed has expired) → deleted. Scheduled rotation prepublishes the next
//! key so cached key sets hold it before it signs; emergency rotation replaces every key.

use crate::store::db::Db;
use entity::jwks::Model as StoredKey;
use serde_json::json;

use super::{KeyError, generate::new_sealed_key, vault::Vault};
use crate::{
    config::{Config, NotifyConfig, SigningAlg},
    security::audit::{Event, Kind},
    store::{job_runs, jwks as stored, notifications, now},
};

const ALGS: [SigningAlg; 2] = [SigningAlg::EdDSA, SigningAlg::RS256];

/// When keys move on, in seconds.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    pub rotate_after: i64,
    pub prepublish: i64,
    /// How long a retired key stays published: the longest lifetime of a token it signed.
    pub retire_after: i64,
}

impl Policy {
    pub fn from_config(config: &Config) -> Policy {
        let longest_token = config.tokens.access_token_ttl_secs.max(config.tokens.id_token_ttl_secs);
        Policy {
            rotate_after: config.keys.rotate_after_days * 86_400,
            prepublish: config.keys.prepublish_hours * 3_600,
            retire_after: longest_token + 120,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub enum Action {
    CreateNext(SigningAlg),
    Promote(SigningAlg, String),
    Delete(String),
}

/// What the stored keys need now. Pure, so the schedule is testable without a clock.
pub fn plan(keys: &[StoredKey], now: i64, policy: Policy) -> Vec<Action> {
    let mut actions = Vec::new();
    for alg in ALGS {
        let of_alg = |status: &'static str| keys.iter().filter(move |k| k.alg == alg.as_str() && k.status == status);
        let since = active_since(keys, alg);
        let next = of_alg("next").min_by_key(|k| k.created_at);
        match next {
            None if since.is_none_or(|since| now - since >= policy.rotate_after - policy.prepublish) => {
                actions.push(Action::CreateNext(alg));
            }
            Some(next) if now - next.created_at >= policy.prepublish => {
                actions.push(Action::Promote(alg, next.kid.clone()));
            }
            _ => {}
        }
    }
    for key in keys.iter().filter(|k| k.status == "retired") {
        if now - key.retired_at.unwrap_or(key.created_at) >= policy.retire_after {
            actions.push(Action::Delete(key.kid.clone()));
        }
    }
    actions
}

/// Applies what `plan` says; returns whether any key changed.
pub async fn run(db: &Db, policy: Policy, vault: &Vault, notify: &NotifyConfig) -> Result<bool, KeyError> {
    let keys = stored::all(db).await?;
    let actions = plan(&keys, now(), policy);
    for action in &actions {
        match action {
            Action::CreateNext(alg) => {
                // Every replica plans the same rotation; the one that claims it makes the key.
                let job = format!("keys.next.{}", alg.as_str());
                if !job_runs::claim(db, &job, active_since(&keys, *alg).unwrap_or(0)).await? {
                    continue;
                }
                create(db, *alg, "next", vault).await?;
                rotated(db, *alg, "scheduled", notify).await;
            }
            Action::Promote(alg, kid) => {
                let txn = db.begin().await?;
                stored::promote(&txn, alg.as_str(), kid).await?;
                txn.commit().await?;
                tracing::info!(%kid, alg = alg.as_str(), "signing key promoted");
            }
            Action::Delete(kid) => {
                stored::delete(db, std::slice::from_ref(kid)).await?;
                tracing::info!(%kid, "retired key deleted");
            }
        }
    }
    Ok(!actions.is_empty())
}

/// When the active key of `alg` began signing: what tells one rotation from the next.
fn active_since(keys: &[StoredKey], alg: SigningAlg) -> Option<i64> {
    let active = keys.iter().filter(|k| k.alg == alg.as_str() && k.status == "active");
    active.map(|k| k.activated_at.unwrap_or(k.created_at)).max()
}

/// A next key was published: the start of a rotation.
async fn rotated(db: &Db, alg: SigningAlg, how: &str, notify: &NotifyConfig) {
    Event::new(Kind::KeysRotated).details(json!({ "alg": alg.as_str(), "started": how })).record(db).await;
    let text = format!("mana-auth: a key rotation started ({how}): the next {} key is published", alg.as_str());
    notifications::raise(db, notify, "keys.rotated", &text).await;
}

async fn create(db: &Db, alg: SigningAlg, status: &'static str, vault: &Vault) -> Result<(), KeyError> {
    stored::insert(db, new_sealed_key(alg, status, vault).await?).await?;
    Ok(())
}

/// A scheduled rotation started by hand: publishes a next key of each algorithm now (if
/// none waits yet); it signs once it has been published for the prepublish period.
pub async fn rotate(db: &Db, vault: &Vault, notify: &NotifyConfig) -> Result<(), KeyError> {
    let keys = stored::all(db).await?;
    for alg in ALGS {
        if !keys.iter().any(|k| k.alg == alg.as_str() && k.status == "next") {
            create(db, alg, "next", vault).await?;
            rotated(db, alg, "by hand", notify).await;
        }
    }
    Ok(())
}

/// The leaked-key runbook: every key is dropped and new ones sign at once. Every token
/// signed before stops verifying.
pub async fn emergency(db: &Db, vault: &Vault, notify: &NotifyConfig) -> Result<(), KeyError> {
    let mut fresh = Vec::new();
    for alg in ALGS {
        fresh.push(new_sealed_key(alg, "active", vault).await?);
    }
    let txn = db.begin().await?;
    let old: Vec<String> = stored::all(&txn).await?.into_iter().map(|k| k.kid).collect();
    stored::delete(&txn, &old).await?;
    for key in fresh {
        stored::insert(&txn, key).await?;
    }
    txn.commit().await?;
    tracing::warn!(dropped = old.len(), "emergency key rotation: every earlier key dropped");
    Event::new(Kind::KeysEmergencyRotation).details(json!({ "dropped": old.len() })).record(db).await;
    let text = format!("mana-auth: emergency key rotation: {} earlier keys dropped; new keys sign now", old.len());
    notifications::raise(db, notify, "keys.emergency_rotation", &text).await;
    Ok(())
}

#[cfg(test)]
mod tests;
