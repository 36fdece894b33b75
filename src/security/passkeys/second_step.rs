//! A passkey as the second step after a password: one of the account's passkeys,
//! listed in the options, so that any authenticator holding one finds it.

use serde_json::Value;
use webauthn_rs::prelude::{Passkey, PasskeyAuthentication, PublicKeyCredential};

use super::{PasskeyError, Passkeys, assertion::verified_use, begin, credential_id, public_key_options, take};
use crate::{
    security::{client::ClientInfo, context::Security},
    store::{StoreError, passkey_ceremonies::Purpose, passkeys},
};

impl Passkeys {
    /// Begins the second step of `user_id`: the `flowId` and request options naming
    /// the account's passkeys.
    pub async fn start_second_step(
        &self,
        security: &Security,
        user_id: &str,
        client: &ClientInfo,
    ) -> Result<(String, Value), PasskeyError> {
        let limits = &security.config.security.rate_limit;
        security.limiter.check_address("passkey_options", client, limits.mfa_per_ip).await?;
        let stored = passkeys::of_user(&security.db, user_id).await?;
        let registered = stored
            .iter()
            .map(|row| serde_json::from_str::<Passkey>(&row.credential))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if registered.is_empty() {
            return Err(PasskeyError::NotFound);
        }
        let (options, state) = self
            .webauthn
            .start_passkey_authentication(&registered)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let flow_id = begin(&security.db, Purpose::SecondStep, Some(user_id), &state).await?;
        Ok((flow_id, public_key_options(&options)?))
    }

    /// Checks the answer to the second step `flow_id` of `user_id`; returns whether
    /// the passkey may be synced between devices.
    pub async fn finish_second_step(
        &self,
        security: &Security,
        user_id: &str,
        flow_id: &str,
        answer: &PublicKeyCredential,
        client: &ClientInfo,
    ) -> Result<bool, PasskeyError> {
        let (owner, state): (_, PasskeyAuthentication) = take(&security.db, flow_id, Purpose::SecondStep).await?;
        if owner.as_deref() != Some(user_id) {
            return Err(PasskeyError::UnknownCeremony);
        }
        let row = passkeys::find_by_credential(&security.db, &credential_id(&answer.raw_id)).await?;
        let row = row
            .filter(|row| row.user_id == user_id)
            .ok_or_else(|| PasskeyError::Refused("not a passkey of this account".into()))?;
        let verify = |_: &Passkey| self.webauthn.finish_passkey_authentication(answer, &state);
        Ok(verified_use(security, &row, client, verify).await?.backup_eligible())
    }
}
