//! Registering a passkey to a signed-in account.

use entity::{passkeys::Model as PasskeyRow, users};
use std::sync::LazyLock;

use sea_orm::ConnectionTrait;
use serde_json::{Value, json};
use webauthn_rs::prelude::{Credential, Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use super::{PasskeyError, Passkeys, begin, credential_id, public_key_options, raw_credential_id, take};
use crate::{
    security::{
        audit::{Event, Kind},
        client::ClientInfo,
        context::Security,
        policy::{self, Rule},
    },
    store::{
        StoreError,
        passkey_ceremonies::Purpose,
        passkeys::{self, NewPasskey},
    },
};

/// The authenticator selection of every registration: a passkey is found by the
/// authenticator without an email typed, so it must be discoverable, and unlocked by
/// the person, not only touched.
pub(super) static DISCOVERABLE: LazyLock<Value> =
    LazyLock::new(|| json!({ "residentKey": "required", "requireResidentKey": true, "userVerification": "required" }));

const NAMELESS: Rule = Rule { key: "rule-passkey-name", message: "a passkey needs a name" };

/// A passkey's name as given, trimmed: not empty, at most 200 characters.
pub(super) fn checked_name(name: &str) -> Result<String, PasskeyError> {
    let name = name.trim();
    policy::check_name(name).map_err(PasskeyError::Invalid)?;
    if name.is_empty() {
        return Err(PasskeyError::Invalid(NAMELESS));
    }
    Ok(name.to_owned())
}

impl Passkeys {
    /// Begins registering a passkey for `user`: a discoverable credential with user
    /// verification, none of the account's passkeys again. Returns the `flowId` and
    /// the creation options.
    pub async fn start_registration(
        &self,
        security: &Security,
        user: &users::Model,
    ) -> Result<(String, Value), PasskeyError> {
        let handle = passkeys::handle_of(&security.db, &user.id, Uuid::new_v4().to_string()).await?;
        let handle = Uuid::parse_str(&handle).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let registered = passkeys::of_user(&security.db, &user.id).await?;
        let exclude = registered.iter().filter_map(|p| raw_credential_id(&p.credential_id)).collect();
        let display_name = user.name.as_deref().unwrap_or(&user.email);
        let (options, state) = self
            .webauthn
            .start_passkey_registration(handle, &user.email, display_name, Some(exclude))
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let mut options = public_key_options(&options)?;
        options["authenticatorSelection"] = DISCOVERABLE.clone();
        let flow_id = begin(&security.db, Purpose::Registration, Some(&user.id), &state).await?;
        Ok((flow_id, options))
    }

    /// Finishes the registration `flow_id` of `user` with the authenticator's answer.
    pub async fn finish_registration(
        &self,
        security: &Security,
        user: &users::Model,
        flow_id: &str,
        name: &str,
        answer: &RegisterPublicKeyCredential,
        client: &ClientInfo,
    ) -> Result<PasskeyRow, PasskeyError> {
        let name = checked_name(name)?;
        let (owner, state): (_, PasskeyRegistration) = take(&security.db, flow_id, Purpose::Registration).await?;
        if owner.as_deref() != Some(user.id.as_str()) {
            return Err(PasskeyError::UnknownCeremony);
        }
        let passkey = match self.webauthn.finish_passkey_registration(answer, &state) {
            Ok(passkey) => passkey,
            // The library refuses a credential the options excluded (the account has it)
            // without saying so.
            Err(_) if passkeys::find_by_credential(&security.db, &credential_id(&answer.raw_id)).await?.is_some() => {
                return Err(PasskeyError::Registered);
            }
            Err(err) => return Err(PasskeyError::Refused(err.to_string())),
        };
        let txn = security.db.begin().await?;
        let row = add(&txn, &user.id, name, passkey, client).await.map_err(|err| match err {
            StoreError::Conflict(_) => PasskeyError::Registered,
            other => other.into(),
        })?;
        txn.commit().await?;
        Ok(row)
    }
}

/// Stores a verified passkey for `user_id` with its `passkey.added` event, in the
/// caller's transaction; a credential id stored before is a `Conflict`.
pub(super) async fn add(
    txn: &impl ConnectionTrait,
    user_id: &str,
    name: String,
    passkey: Passkey,
    client: &ClientInfo,
) -> Result<PasskeyRow, StoreError> {
    let stored = serde_json::to_string(&passkey).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let credential = Credential::from(passkey);
    let new = NewPasskey {
        user_id: user_id.to_owned(),
        credential_id: credential_id(credential.cred_id.as_ref()),
        name,
        credential: stored,
        sign_count: i64::from(credential.counter),
        backup_eligible: credential.backup_eligible,
    };
    let row = passkeys::add(txn, new).await?;
    let added = Event::new(Kind::PasskeyAdded).user(user_id).from(client);
    added.details(json!({ "passkey": row.id, "name": row.name })).write(txn).await?;
    Ok(row)
}
