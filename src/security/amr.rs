//! How a session was authenticated: RFC 8176 `amr` values, stored space-separated;
//! `mfa` wherever more than one factor was used.

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

/// What sessions signed in with a code before `mfa` was added carry.
const LEGACY_PASSWORD_AND_CODE: &str = "pwd otp";

const KNOWN: [&str; 6] = [
    PASSWORD,
    PASSWORD_AND_CODE,
    PASSKEY_DEVICE_BOUND,
    PASSKEY_SYNCED,
    PASSWORD_AND_PASSKEY_DEVICE_BOUND,
    PASSWORD_AND_PASSKEY_SYNCED,
];

/// The known value `stored` spells; a password for anything else.
pub fn known(stored: &str) -> &'static str {
    if stored == LEGACY_PASSWORD_AND_CODE {
        return PASSWORD_AND_CODE;
    }
    KNOWN.into_iter().find(|amr| *amr == stored).unwrap_or(PASSWORD)
}

/// A passkey's methods: synced or held on its device, after a password or alone.
pub fn passkey(synced: bool, after_password: bool) -> &'static str {
    match (synced, after_password) {
        (false, false) => PASSKEY_DEVICE_BOUND,
        (true, false) => PASSKEY_SYNCED,
        (false, true) => PASSWORD_AND_PASSKEY_DEVICE_BOUND,
        (true, true) => PASSWORD_AND_PASSKEY_SYNCED,
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
        assert_eq!(passkey(true, true), "pwd swk user mfa");
    }
}
