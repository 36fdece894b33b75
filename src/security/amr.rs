//! How a session was authenticated: RFC 8176 `amr` values, stored space-separated;
//! `mfa` wherever more than one factor was used, and `fed` where another identity
//! provider signed the person in.

use serde::{Deserialize, Serialize};

pub const PASSWORD: &str = "pwd";
pub const PASSWORD_AND_CODE: &str = "pwd otp mfa";
/// A passkey that stays on its device (a key held in hardware), unlocked by the
/// person: two factors.
pub const PASSKEY_DEVICE_BOUND: &str = "hwk user mfa";
/// A passkey that may be synced between devices (a key held in software), unlocked by
/// the person: two factors.
pub const PASSKEY_SYNCED: &str = "swk user mfa";
/// A password, then a passkey as the second step.
pub const PASSWORD_AND_PASSKEY_DEVICE_BOUND: &str = "pwd hwk user mfa";
pub const PASSWORD_AND_PASSKEY_SYNCED: &str = "pwd swk user mfa";
/// Another identity provider (an upstream) signed the person in.
pub const FEDERATED: &str = "fed";
/// An upstream trusted for it says it used more than one factor.
pub const FEDERATED_MFA: &str = "fed mfa";
/// An upstream, then a code or a passkey here as the second step.
pub const FEDERATED_AND_CODE: &str = "fed otp mfa";
pub const FEDERATED_AND_PASSKEY_DEVICE_BOUND: &str = "fed hwk user mfa";
pub const FEDERATED_AND_PASSKEY_SYNCED: &str = "fed swk user mfa";

/// What a second step follows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum FirstFactor {
    #[default]
    Password,
    Federated,
}

/// What sessions signed in with a code before `mfa` was added carry.
const LEGACY_PASSWORD_AND_CODE: &str = "pwd otp";

const KNOWN: [&str; 11] = [
    PASSWORD,
    PASSWORD_AND_CODE,
    PASSKEY_DEVICE_BOUND,
    PASSKEY_SYNCED,
    PASSWORD_AND_PASSKEY_DEVICE_BOUND,
    PASSWORD_AND_PASSKEY_SYNCED,
    FEDERATED,
    FEDERATED_MFA,
    FEDERATED_AND_CODE,
    FEDERATED_AND_PASSKEY_DEVICE_BOUND,
    FEDERATED_AND_PASSKEY_SYNCED,
];

/// The known value `stored` spells; a password for anything else.
pub fn known(stored: &str) -> &'static str {
    if stored == LEGACY_PASSWORD_AND_CODE {
        return PASSWORD_AND_CODE;
    }
    KNOWN.into_iter().find(|amr| *amr == stored).unwrap_or(PASSWORD)
}

/// A passkey's methods: synced or held on its device, alone or after a first factor.
pub fn passkey(synced: bool, after: Option<FirstFactor>) -> &'static str {
    match (synced, after) {
        (false, None) => PASSKEY_DEVICE_BOUND,
        (true, None) => PASSKEY_SYNCED,
        (false, Some(FirstFactor::Password)) => PASSWORD_AND_PASSKEY_DEVICE_BOUND,
        (true, Some(FirstFactor::Password)) => PASSWORD_AND_PASSKEY_SYNCED,
        (false, Some(FirstFactor::Federated)) => FEDERATED_AND_PASSKEY_DEVICE_BOUND,
        (true, Some(FirstFactor::Federated)) => FEDERATED_AND_PASSKEY_SYNCED,
    }
}

/// A code after `first`.
pub fn code_after(first: FirstFactor) -> &'static str {
    match first {
        FirstFactor::Password => PASSWORD_AND_CODE,
        FirstFactor::Federated => FEDERATED_AND_CODE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_amr_reads_back_as_its_constant() {
        for amr in KNOWN {
            let read_back = amr.split(' ').collect::<Vec<_>>().join(" ");
            assert_eq!(known(&read_back), amr);
        }
        assert_eq!(known("pwd otp"), PASSWORD_AND_CODE, "sessions from before keep their second factor");
        assert_eq!(known("otp pwd"), PASSWORD, "only the spellings written here");
        assert_eq!(passkey(true, Some(FirstFactor::Password)), "pwd swk user mfa");
        assert_eq!(passkey(false, Some(FirstFactor::Federated)), "fed hwk user mfa");
        assert_eq!(code_after(FirstFactor::Federated), "fed otp mfa");
    }
}
