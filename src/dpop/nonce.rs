//! Server-provided DPoP nonces (RFC 9449 §8). A nonce is derived from the signing keys
//! and the current five-minute period, so every replica gives and accepts the same ones
//! without storing them; the nonce of the period before is still accepted.

use subtle::ConstantTimeEq;

use crate::keys::KeySet;

const PERIOD_SECS: i64 = 300;

/// The nonce to give out at `now`.
pub fn current(keys: &KeySet, now: i64) -> String {
    of_period(keys, now.div_euclid(PERIOD_SECS))
}

/// Whether `nonce` is the nonce of the current or the previous period.
pub fn accepts(keys: &KeySet, nonce: &str, now: i64) -> bool {
    let period = now.div_euclid(PERIOD_SECS);
    [period, period - 1].into_iter().any(|p| of_period(keys, p).as_bytes().ct_eq(nonce.as_bytes()).into())
}

fn of_period(keys: &KeySet, period: i64) -> String {
    keys.derived_secret(&format!("dpop nonce {period}"))
}
