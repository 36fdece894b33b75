//! Signing in with a passkey: no email typed, the authenticator names the account
//! (its user handle) and the credential; both must belong together.

use entity::users;
use serde_json::{Value, json};
use webauthn_rs::prelude::{DiscoverableAuthentication, Passkey, PublicKeyCredential, WebauthnError};

use super::{PasskeyError, Passkeys, begin, credential_id, public_key_options, take};
use crate::{
    security::{
        amr,
        audit::{Event, Kind},
        client::ClientInfo,
        context::Security,
        limits::Subject,
    },
    store::{self, StoreError, passkey_ceremonies::Purpose, passkeys},
};

/// A sign-in a passkey completed.
pub struct SignedInWithPasskey {
    pub user: users::Model,
    pub amr: &'static str,
}

impl Passkeys {
    /// Begins a sign-in: the `flowId` and request options with no credentials listed,
    /// so the authenticator offers the passkeys it holds for this relying party.
    pub async fn start_login(&self, security: &Security, client: &ClientInfo) -> Result<(String, Value), PasskeyError> {
        let limits = &security.config.security.rate_limit;
        security.limiter.check_address("passkey_options", client, limits.signin_per_ip).await?;
        let (options, state) =
            self.webauthn.start_discoverable_authentication().map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let flow_id = begin(&security.db, Purpose::Login, None, &state).await?;
        Ok((flow_id, public_key_options(&options)?))
    }

    /// Finishes the sign-in `flow_id` with the authenticator's answer, arriving
    /// through `channel` (`page` or `api`).
    pub async fn finish_login(
        &self,
        security: &Security,
        channel: &'static str,
        flow_id: &str,
        answer: &PublicKeyCredential,
        client: &ClientInfo,
    ) -> Result<SignedInWithPasskey, PasskeyError> {
        let limits = &security.config.security.rate_limit;
        security.limiter.check_address("signin", client, limits.signin_per_ip).await?;
        let (_, state): (_, DiscoverableAuthentication) = take(&security.db, flow_id, Purpose::Login).await?;
        let (handle, raw_id) = self
            .webauthn
            .identify_discoverable_authentication(answer)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let row = passkeys::find_by_credential(&security.db, &credential_id(raw_id)).await?;
        let owner = passkeys::user_of_handle(&security.db, &handle.to_string()).await?;
        // The credential must be registered, and to the account the authenticator names.
        let Some(row) = row.filter(|row| owner.as_deref() == Some(row.user_id.as_str())) else {
            failed(security, channel, None, "unknown credential", client).await;
            return Err(PasskeyError::Refused("no account has this passkey".into()));
        };
        let user = store::users::find(&security.db, &row.user_id).await?.ok_or(PasskeyError::NotFound)?;
        security.limiter.check("signin", Subject::Account(&user.email), limits.signin_per_account).await?;
        let mut passkey: Passkey =
            serde_json::from_str(&row.credential).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let result = match self.webauthn.finish_discoverable_authentication_v2(answer, state, &passkey) {
            Ok(result) => result,
            Err(WebauthnError::CredentialPossibleCompromise) => {
                return Err(counter_regressed(security, &row, client).await);
            }
            Err(err) => {
                failed(security, channel, Some(&user.id), &err.to_string(), client).await;
                return Err(PasskeyError::Refused(err.to_string()));
            }
        };
        passkey.update_credential(&result);
        let stored = serde_json::to_string(&passkey).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        if !passkeys::record_use(&security.db, &row.id, i64::from(result.counter()), stored).await? {
            // Another sign-in stored this counter or a higher one since it was read.
            return Err(counter_regressed(security, &row, client).await);
        }
        security.limiter.sign_in_succeeded(&user.email).await;
        let used = Event::new(Kind::PasskeyUsed).user(user.id.as_str()).from(client);
        used.details(json!({ "passkey": row.id })).record(&security.db).await;
        let succeeded = Event::new(Kind::SignInSucceeded).user(user.id.as_str()).from(client);
        succeeded.details(json!({ "channel": channel, "method": "passkey" })).record(&security.db).await;
        let amr = if result.backup_eligible() { amr::PASSKEY_SYNCED } else { amr::PASSKEY_DEVICE_BOUND };
        Ok(SignedInWithPasskey { user, amr })
    }
}

async fn failed(security: &Security, channel: &'static str, user_id: Option<&str>, reason: &str, client: &ClientInfo) {
    tracing::info!(channel, reason, "passkey sign-in failed");
    security.sign_in_failures.with_label_values(&[channel]).inc();
    let failed = Event::new(Kind::SignInFailed).user(user_id).from(client);
    failed.details(json!({ "channel": channel, "method": "passkey", "reason": reason })).record(&security.db).await;
}

async fn counter_regressed(security: &Security, row: &entity::passkeys::Model, client: &ClientInfo) -> PasskeyError {
    tracing::warn!(user_id = %row.user_id, passkey = %row.id, "passkey signature counter went backwards");
    let event = Event::new(Kind::PasskeyCounterRegressed).user(row.user_id.as_str()).from(client);
    event.details(json!({ "passkey": row.id })).record(&security.db).await;
    PasskeyError::CounterRegressed
}
