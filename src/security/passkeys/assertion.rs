//! Checking an assertion of a stored passkey and recording its use, the same for a
//! sign-in and for a second step.

use entity::passkeys::Model as PasskeyRow;
use serde_json::json;
use webauthn_rs::prelude::{AuthenticationResult, Passkey, WebauthnError};

use super::PasskeyError;
use crate::{
    security::{
        audit::{Event, Kind},
        client::ClientInfo,
        context::Security,
    },
    store::{StoreError, passkeys},
};

/// Checks an answer with the passkey `row` (`verify` is the library's check for the
/// ceremony at hand) and records the use: the new counter, compared and set in one
/// statement. A counter that does not move forward is refused and recorded.
pub(super) async fn verified_use(
    security: &Security,
    row: &PasskeyRow,
    client: &ClientInfo,
    verify: impl FnOnce(&Passkey) -> Result<AuthenticationResult, WebauthnError>,
) -> Result<AuthenticationResult, PasskeyError> {
    let mut passkey: Passkey = serde_json::from_str(&row.credential).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let result = match verify(&passkey) {
        Ok(result) => result,
        Err(WebauthnError::CredentialPossibleCompromise) => return Err(counter_regressed(security, row, client).await),
        Err(err) => return Err(PasskeyError::Refused(err.to_string())),
    };
    passkey.update_credential(&result);
    let stored = serde_json::to_string(&passkey).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    if !passkeys::record_use(&security.db, &row.id, i64::from(result.counter()), stored).await? {
        // Another sign-in stored this counter or a higher one since it was read.
        return Err(counter_regressed(security, row, client).await);
    }
    let used = Event::new(Kind::PasskeyUsed).user(row.user_id.as_str()).from(client);
    used.details(json!({ "passkey": row.id })).record(&security.db).await;
    Ok(result)
}

async fn counter_regressed(security: &Security, row: &PasskeyRow, client: &ClientInfo) -> PasskeyError {
    tracing::warn!(user_id = %row.user_id, passkey = %row.id, "passkey signature counter went backwards");
    let event = Event::new(Kind::PasskeyCounterRegressed).user(row.user_id.as_str()).from(client);
    event.details(json!({ "passkey": row.id })).record(&security.db).await;
    PasskeyError::CounterRegressed
}
