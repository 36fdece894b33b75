//! Signing in with a passkey: no email typed, the authenticator names the account
//! (its user handle) and the credential; both must belong together.

use entity::users;
use serde_json::{Value, json};
use webauthn_rs::prelude::{DiscoverableAuthentication, Passkey, PublicKeyCredential};

use super::{PasskeyError, Passkeys, assertion::verified_use, begin, credential_id, public_key_options, take};
use crate::{
    security::{
        amr,
        audit::{Event, Kind},
        client::ClientInfo,
        context::Security,
        limits::Subject,
    },
    store::{self, passkey_ceremonies::Purpose, passkeys},
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
        let Some(user) = store::users::find_enabled(&security.db, &row.user_id).await? else {
            failed(security, channel, Some(&row.user_id), "the account is disabled", client).await;
            return Err(PasskeyError::Refused("the account is disabled".into()));
        };
        security.limiter.check("signin", Subject::Account(&user.email), limits.signin_per_account).await?;
        let verify = |passkey: &Passkey| self.webauthn.finish_discoverable_authentication_v2(answer, state, passkey);
        let result = match verified_use(security, &row, client, verify).await {
            Err(PasskeyError::Refused(reason)) => {
                failed(security, channel, Some(&user.id), &reason, client).await;
                return Err(PasskeyError::Refused(reason));
            }
            other => other?,
        };
        security.limiter.sign_in_succeeded(&user.email).await;
        let succeeded = Event::new(Kind::SignInSucceeded).user(user.id.as_str()).from(client);
        succeeded.details(json!({ "channel": channel, "method": "passkey" })).record(&security.db).await;
        let amr = amr::passkey(result.backup_eligible(), None);
        Ok(SignedInWithPasskey { user, amr })
    }
}

async fn failed(security: &Security, channel: &'static str, user_id: Option<&str>, reason: &str, client: &ClientInfo) {
    tracing::info!(channel, reason, "passkey sign-in failed");
    security.sign_in_failures.with_label_values(&[channel]).inc();
    let failed = Event::new(Kind::SignInFailed).user(user_id).from(client);
    failed.details(json!({ "channel": channel, "method": "passkey", "reason": reason })).record(&security.db).await;
}
