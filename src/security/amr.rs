//! How a session was authenticated: RFC 8176 `amr` values, stored space-separated.

pub const PASSWORD: &str = "pwd";
pub const PASSWORD_AND_CODE: &str = "pwd otp";
/// A passkey that stays on its device (a key held in hardware), unlocked by the
/// person: two factors.
pub const PASSKEY_DEVICE_BOUND: &str = "hwk user mfa";
/// A passkey that may be synced between devices (a key held in software), unlocked by
/// the person: two factors.
pub const PASSKEY_SYNCED: &str = "swk user mfa";

/// The known value `stored` spells; a password for anything else.
pub fn known(stored: &str) -> &'static str {
    [PASSWORD_AND_CODE, PASSKEY_DEVICE_BOUND, PASSKEY_SYNCED].into_iter().find(|amr| *amr == stored).unwrap_or(PASSWORD)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_amr_reads_back_as_its_constant() {
        for amr in [PASSWORD, PASSWORD_AND_CODE, PASSKEY_DEVICE_BOUND, PASSKEY_SYNCED] {
            let read_back = amr.split(' ').collect::<Vec<_>>().join(" ");
            assert_eq!(known(&read_back), amr);
        }
        assert_eq!(known("otp pwd"), PASSWORD, "only the spellings written here");
    }
}
