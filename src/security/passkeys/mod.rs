//! Passkeys: WebAuthn discoverable credentials with user verification, registered to
//! an account and used to sign in without a password. A ceremony's challenge lives
//! in the database between its two requests, is taken once, and expires after five
//! minutes.

mod assertion;
mod login;
mod manage;
mod register;
mod second_step;
mod signup;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::{Serialize, de::DeserializeOwned};
use webauthn_rs::{Webauthn, WebauthnBuilder, prelude::CredentialID};

use super::limits::Throttled;
use crate::{
    config::RelyingParty,
    store::{
        StoreError,
        passkey_ceremonies::{self, Purpose},
    },
};

pub use login::SignedInWithPasskey;
pub use manage::{remove, rename};
pub use signup::VerifiedSignUp;

/// How long a ceremony may take, from its options to its answer.
pub const CEREMONY_TTL_SECS: i64 = 300;

#[derive(Debug, thiserror::Error)]
pub enum PasskeyError {
    #[error("the passkey ceremony is unknown, expired or was finished; start again")]
    UnknownCeremony,
    #[error("the passkey was not accepted: {0}")]
    Refused(String),
    #[error("this passkey is registered already")]
    Registered,
    #[error("the passkey's signature counter went backwards; it may have been cloned")]
    CounterRegressed,
    #[error("no such passkey")]
    NotFound,
    #[error("this is the last way to sign in to the account; add another first")]
    LastWay,
    #[error("{0}")]
    Invalid(crate::security::policy::Rule),
    #[error("too many attempts")]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The relying party's WebAuthn checks: its id, its origins, user verification.
pub struct Passkeys {
    webauthn: Webauthn,
}

impl Passkeys {
    pub fn new(rp: &RelyingParty) -> Result<Passkeys, String> {
        let (first, others) = rp.origins.split_first().ok_or("no origin for passkeys")?;
        let builder = WebauthnBuilder::new(&rp.id, first).map_err(|e| format!("webauthn: {e}"))?;
        let builder = others.iter().fold(builder, |builder, origin| builder.append_allowed_origin(origin));
        let webauthn = builder.build().map_err(|e| format!("webauthn: {e}"))?;
        Ok(Passkeys { webauthn })
    }
}

/// A credential id as stored and shown: base64url without padding.
fn credential_id(raw: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(raw)
}

fn raw_credential_id(stored: &str) -> Option<CredentialID> {
    URL_SAFE_NO_PAD.decode(stored).ok()
}

/// Stores the state of a ceremony begun; returns its id, the `flowId`.
async fn begin<S: Serialize>(
    db: &impl sea_orm::ConnectionTrait,
    purpose: Purpose,
    user_id: Option<&str>,
    state: &S,
) -> Result<String, PasskeyError> {
    let state = serde_json::to_string(state).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(passkey_ceremonies::begin(db, purpose, user_id, state, CEREMONY_TTL_SECS).await?)
}

/// Takes the ceremony `flow_id` of `purpose` once, with the account it was begun for.
async fn take<S: DeserializeOwned>(
    db: &impl sea_orm::ConnectionTrait,
    flow_id: &str,
    purpose: Purpose,
) -> Result<(Option<String>, S), PasskeyError> {
    let ceremony = passkey_ceremonies::finish(db, flow_id, purpose).await?.ok_or(PasskeyError::UnknownCeremony)?;
    let state = serde_json::from_str(&ceremony.state).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok((ceremony.user_id, state))
}

/// The options of a ceremony as the browser's `navigator.credentials` takes them: the
/// `publicKey` member of what the library made, in WebAuthn's JSON.
fn public_key_options(options: &impl Serialize) -> Result<serde_json::Value, PasskeyError> {
    let mut options = serde_json::to_value(options).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    Ok(options["publicKey"].take())
}
