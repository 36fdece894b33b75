//! What the account-security flows (sign-in, second steps, recovery, token reuse)
//! work with: the parts of the application they use, handed down by the layers
//! above, never the application state itself.

use std::sync::Arc;

use prometheus::{IntCounter, IntCounterVec};

use super::{limits::Limiter, passkeys::Passkeys, passwords::Passwords, sealing::Sealer};
use crate::{config::Config, mail::Mailer, store::db::Db};

#[derive(Clone)]
pub struct Security {
    pub db: Db,
    pub config: Arc<Config>,
    pub limiter: Arc<Limiter>,
    pub passwords: Passwords,
    /// Seals TOTP secrets; `None` when no secrets key is set (two-step verification off).
    pub secrets: Option<Sealer>,
    pub mailer: Arc<Mailer>,
    /// Failed sign-ins by surface.
    pub sign_in_failures: IntCounterVec,
    /// Refresh tokens presented again after their rotation.
    pub refresh_reuse: IntCounter,
    /// The WebAuthn relying party; `None` while passkeys are off (see `webauthn.rp_id`).
    pub passkeys: Option<Arc<Passkeys>>,
    /// The catalogues pages and mails are written from.
    pub languages: Arc<crate::i18n::Languages>,
}
