//! Two-step verification with TOTP (RFC 6238: SHA-1, 6 digits, 30-second steps, one
//! step of drift either way, each code usable once) and ten one-time recovery codes.
//! Secrets are sealed under `MANA_AUTH_SECRETS_KEY` and bound to their user.

use base64::{Engine, engine::general_purpose::STANDARD};
use qrcode::{QrCode, render::svg};
use subtle::ConstantTimeEq;
use totp_rs::{Algorithm, Secret, TOTP};

use super::{
    audit::{Event, Kind},
    limits::{Subject, Throttled},
    opaque::random_bytes,
    passwords::PasswordError,
    sealing::Sealer,
    self_service::password_confirms,
};
use crate::{
    config::Config,
    security::client::ClientInfo,
    security::context::Security,
    store::{StoreError, mfa, now},
};

const STEP_SECS: u64 = 30;
const RECOVERY_CODES: usize = 10;
pub const ENV: &str = "MANA_AUTH_SECRETS_KEY";

#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    #[error("two-step verification is not available: the operator has not set {ENV}")]
    Unavailable,
    #[error("two-step verification is already on")]
    AlreadyOn,
    #[error("two-step verification is not set up")]
    NotSetUp,
    #[error("the code is wrong or was already used")]
    WrongCode,
    #[error("two-step verification is on: a code is required")]
    CodeRequired,
    #[error("the password is wrong")]
    WrongPassword,
    #[error("too many attempts")]
    Throttled(#[from] Throttled),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Password(#[from] PasswordError),
}

/// The sealer of TOTP secrets: `MANA_AUTH_SECRETS_KEY`, else `security.secrets_key`.
pub fn sealer(config: &Config) -> Result<Option<Sealer>, String> {
    std::env::var(ENV)
        .ok()
        .filter(|k| !k.is_empty())
        .or_else(|| config.security.secrets_key.as_ref().map(|k| k.expose().to_owned()))
        .map(|secret| Sealer::new(&secret).map_err(|problem| format!("{ENV}: {problem}")))
        .transpose()
}

/// What the enrolment page shows: the secret three ways.
pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
    /// An SVG QR code of the URI, as a `data:` URL for an `<img>`.
    pub qr_data_url: String,
}

fn totp(secret: Vec<u8>, issuer: &str, account: &str) -> Result<TOTP, MfaError> {
    // Our own 160-bit secrets and labels without ':' always make a valid TOTP.
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECS, secret, Some(issuer.to_owned()), account.replace(':', ""))
        .map_err(|_| MfaError::Unavailable)
}

/// The name authenticator apps show: the issuer's host.
fn issuer_label(config: &Config) -> String {
    url::Url::parse(&config.issuer)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "mana-auth".into())
}

/// Starts (or restarts) enrolment with a new secret; refused while a factor is on.
pub async fn begin(security: &Security, user_id: &str, email: &str) -> Result<Enrolment, MfaError> {
    let sealer = security.secrets.as_ref().ok_or(MfaError::Unavailable)?;
    let secret = random_bytes(20);
    if !mfa::put_pending(&security.db, user_id, sealer.seal(&secret, user_id.as_bytes())).await? {
        return Err(MfaError::AlreadyOn);
    }
    let totp = totp(secret.clone(), &issuer_label(&security.config), email)?;
    let otpauth_uri = totp.get_url();
    let qr = QrCode::new(otpauth_uri.as_bytes()).map_err(|_| MfaError::Unavailable)?;
    let svg = qr.render::<svg::Color<'_>>().min_dimensions(200, 200).build();
    Ok(Enrolment {
        secret: Secret::Raw(secret).to_encoded().to_string(),
        otpauth_uri,
        qr_data_url: format!("data:image/svg+xml;base64,{}", STANDARD.encode(svg)),
    })
}

/// Turns the factor on with a first code; returns the recovery codes, shown once.
pub async fn confirm(
    security: &Security,
    user_id: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<Vec<String>, MfaError> {
    let credential = mfa::find(&security.db, user_id).await?.ok_or(MfaError::NotSetUp)?;
    if credential.confirmed_at.is_some() {
        return Err(MfaError::AlreadyOn);
    }
    check_totp(security, &credential, code).await?;
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let txn = security.db.begin().await?;
    mfa::confirm(&txn, user_id).await?;
    mfa::replace_recovery_codes(&txn, user_id, &codes).await?;
    Event::new(Kind::MfaEnrolled).user(user_id).from(client).write(&txn).await?;
    txn.commit().await?;
    Ok(codes)
}

/// The second step of a sign-in: a current code or an unused recovery code. Limited
/// per address and per account; every failure is recorded.
pub async fn verify(security: &Security, user_id: &str, code: &str, client: &ClientInfo) -> Result<(), MfaError> {
    let limits = &security.config.security.rate_limit;
    security.limiter.check_address("mfa", client, limits.mfa_per_ip).await?;
    security.limiter.check("mfa", Subject::Account(user_id), limits.mfa_per_account).await?;
    let credential =
        mfa::find(&security.db, user_id).await?.filter(|c| c.confirmed_at.is_some()).ok_or(MfaError::NotSetUp)?;
    let result = match normalized_recovery_code(code) {
        Some(recovery) => {
            if mfa::use_recovery_code(&security.db, user_id, &recovery).await? {
                Event::new(Kind::RecoveryCodeUsed).user(user_id).from(client).record(&security.db).await;
                Ok(())
            } else {
                Err(MfaError::WrongCode)
            }
        }
        None => check_totp(security, &credential, code).await,
    };
    if matches!(result, Err(MfaError::WrongCode)) {
        Event::new(Kind::MfaFailed).user(user_id).from(client).record(&security.db).await;
    }
    result
}

/// Turns the factor off, with the password and a code.
pub async fn disable(
    security: &Security,
    user: &entity::users::Model,
    password: String,
    code: &str,
    client: &ClientInfo,
) -> Result<(), MfaError> {
    if !password_confirms::<MfaError>(security, user, password).await? {
        return Err(MfaError::WrongPassword);
    }
    verify(security, &user.id, code, client).await?;
    let txn = security.db.begin().await?;
    mfa::remove(&txn, &user.id).await?;
    Event::new(Kind::MfaDisabled).user(user.id.as_str()).from(client).write(&txn).await?;
    txn.commit().await?;
    Ok(())
}

/// The secret of `credential`, sealed bound to its user; `None` when it does not open.
pub fn open_secret(sealer: &Sealer, credential: &entity::totp_credentials::Model) -> Option<Vec<u8>> {
    sealer.open(&credential.sealed_secret, credential.user_id.as_bytes())
}

/// Accepts a 6-digit code of the current step or one step either side, newer than
/// any code accepted before.
async fn check_totp(
    security: &Security,
    credential: &entity::totp_credentials::Model,
    code: &str,
) -> Result<(), MfaError> {
    let sealer = security.secrets.as_ref().ok_or(MfaError::Unavailable)?;
    let secret = open_secret(sealer, credential).ok_or_else(|| {
        StoreError::Corrupt(format!("the TOTP secret of {} does not open with {ENV}", credential.user_id))
    })?;
    let code = code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(MfaError::WrongCode);
    }
    let totp = totp(secret, "mana-auth", "user")?;
    let current = u64::try_from(now()).unwrap_or_default() / STEP_SECS;
    for step in [current.saturating_sub(1), current, current + 1] {
        let matches = totp.generate(step * STEP_SECS).as_bytes().ct_eq(code.as_bytes()).into();
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        if matches && step > credential.last_step && mfa::use_step(&security.db, &credential.user_id, step).await? {
            return Ok(());
        }
    }
    Err(MfaError::WrongCode)
}

/// `xxxxx-xxxxx` from a lowercase base32 alphabet: 50 bits, easy to type.
fn new_recovery_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let chars: String =
        random_bytes(10).iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// A recovery code as stored (lowercase, dash kept), when `input` looks like one.
fn normalized_recovery_code(input: &str) -> Option<String> {
    let compact: String = input.trim().to_lowercase().chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
    (compact.len() == 10 && compact.chars().all(|c| c.is_ascii_alphanumeric()))
        .then(|| format!("{}-{}", &compact[..5], &compact[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_typed_forgivingly() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(normalized_recovery_code(&code.to_uppercase().replace('-', " ")), Some(code));
        assert_eq!(normalized_recovery_code("123456"), None, "a TOTP code is not a recovery code");
        assert_eq!(normalized_recovery_code("abcde-fghi!"), None);
    }
}
