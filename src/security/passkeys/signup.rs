//! Signing up with a passkey and no password: the ceremony is begun for an email and
//! a fresh user handle before the account exists; its verified answer becomes the
//! account's first passkey, written with the account (`credits::grants`).

use entity::passkeys::Model as PasskeyRow;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use webauthn_rs::prelude::{Credential, Passkey, PasskeyRegistration, RegisterPublicKeyCredential, Uuid};

use super::{PasskeyError, Passkeys, begin, public_key_options, take};
use crate::{
    security::{client::ClientInfo, context::Security, passwords::NO_PASSWORD, policy},
    store::{StoreError, passkey_ceremonies::Purpose, passkeys, users::NewUser},
};

/// What a sign-up ceremony carries between its two requests.
#[derive(Serialize, Deserialize)]
struct SignUpCeremony {
    registration: PasskeyRegistration,
    email: String,
    name: Option<String>,
    handle: String,
}

/// A sign-up whose passkey verified, to be written with its account.
pub struct VerifiedSignUp {
    pub email: String,
    name: Option<String>,
    handle: String,
    passkey_name: String,
    passkey: Passkey,
    /// Whether the passkey may be synced between devices.
    pub synced: bool,
}

impl Passkeys {
    /// Begins a sign-up for `email` (a valid address, checked here) with a new user
    /// handle; nothing but the ceremony is stored.
    pub async fn start_sign_up(
        &self,
        security: &Security,
        email: &str,
        name: Option<String>,
    ) -> Result<(String, Value), PasskeyError> {
        policy::check_email(email).map_err(PasskeyError::Invalid)?;
        let name = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
        if let Some(name) = &name {
            policy::check_name(name).map_err(PasskeyError::Invalid)?;
        }
        let email = crate::store::users::normalize_email(email);
        let handle = Uuid::new_v4();
        let display_name = name.as_deref().unwrap_or(&email);
        let (options, registration) = self
            .webauthn
            .start_passkey_registration(handle, &email, display_name, None)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let mut options = public_key_options(&options)?;
        options["authenticatorSelection"] = super::register::DISCOVERABLE.clone();
        let ceremony = SignUpCeremony { registration, email, name, handle: handle.to_string() };
        let flow_id = begin(&security.db, Purpose::SignUp, None, &ceremony).await?;
        Ok((flow_id, options))
    }

    /// Checks the answer to the sign-up `flow_id`; the account is not written yet.
    pub async fn finish_sign_up(
        &self,
        security: &Security,
        flow_id: &str,
        passkey_name: &str,
        answer: &RegisterPublicKeyCredential,
    ) -> Result<VerifiedSignUp, PasskeyError> {
        let passkey_name = super::register::checked_name(passkey_name)?;
        let (_, ceremony): (_, SignUpCeremony) = take(&security.db, flow_id, Purpose::SignUp).await?;
        let passkey = self
            .webauthn
            .finish_passkey_registration(answer, &ceremony.registration)
            .map_err(|e| PasskeyError::Refused(e.to_string()))?;
        let synced = Credential::from(passkey.clone()).backup_eligible;
        Ok(VerifiedSignUp {
            email: ceremony.email,
            name: ceremony.name,
            handle: ceremony.handle,
            passkey_name,
            passkey,
            synced,
        })
    }
}

impl VerifiedSignUp {
    /// The account to create: no password; its mails in `language`.
    pub fn new_user(&self, language: &str) -> NewUser {
        NewUser {
            language: Some(language.to_owned()),
            email: self.email.clone(),
            username: None,
            name: self.name.clone(),
            password_hash: NO_PASSWORD.into(),
        }
    }

    /// Writes the passkey and its user handle for the new account `user_id`, in the
    /// transaction that creates it.
    pub async fn store(
        self,
        txn: &impl sea_orm::ConnectionTrait,
        user_id: &str,
        client: &ClientInfo,
    ) -> Result<PasskeyRow, StoreError> {
        passkeys::handle_of(txn, user_id, self.handle).await?;
        super::register::add(txn, user_id, self.passkey_name, self.passkey, client).await
    }
}
