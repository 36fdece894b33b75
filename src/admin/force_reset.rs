//! `mana-auth user force-reset`: every password stops working at once (the runbook's
//! answer to leaked password hashes or second-factor secrets). Every session ends and
//! every refresh token is revoked in the same transaction; people set a new password
//! through a reset link, mailed to each of them with `--mail` or asked for at
//! `/password/forgot`.

use serde_json::json;

use super::clients::AdminError;
use crate::{
    config::Config,
    i18n::Languages,
    mail::{Mailer, messages},
    security::audit::{Event, Kind},
    store::{
        cleanup::sign_out_everyone,
        db::Db,
        users::{all_addresses, clear_all_passwords},
        verification_tokens::{self, Purpose},
    },
};

/// What a forced reset did.
pub struct ForcedReset {
    pub users: u64,
    pub sessions: u64,
    pub mailed: u64,
}

pub async fn force_reset(db: &Db, config: &Config, mail: bool) -> Result<ForcedReset, AdminError> {
    let mailer = mail.then(|| Mailer::new(&config.mail)).transpose().map_err(|e| AdminError::Invalid(e.to_string()))?;
    let txn = db.begin().await?;
    let users = clear_all_passwords(&txn).await?;
    let sessions = sign_out_everyone(&txn).await?;
    let details = json!({ "users": users, "sessions": sessions, "mailed": mail });
    Event::new(Kind::PasswordsForceReset).details(details).write(&txn).await?;
    txn.commit().await?;
    let mut mailed = 0;
    if let Some(mailer) = mailer {
        let ttl = config.mail.reset_password_ttl_secs;
        let languages =
            Languages::built_in(&config.i18n.default_language).map_err(|e| AdminError::Invalid(e.to_string()))?;
        for (id, email, language) in all_addresses(db).await? {
            let token = verification_tokens::issue(db, &id, Purpose::ResetPassword, ttl).await?;
            let t = languages.named(language.as_deref());
            match mailer.send(messages::reset_password(&t, &config.issuer, &email, &token, ttl)).await {
                Ok(()) => mailed += 1,
                Err(err) => tracing::error!(error = %err, user_id = %id, "reset link not mailed"),
            }
        }
    }
    Ok(ForcedReset { users, sessions, mailed })
}
