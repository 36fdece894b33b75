//! Password hashes carried over from Mana Core Auth, which hashed with Better Auth's
//! scrypt: N=16384, r=16, p=1, a 64-byte key, over the password in NFKC, salted with
//! 32 hex characters used as text (their UTF-8 bytes, not the bytes they spell).
//!
//! Better Auth stores `<salt>:<key hex>`, which says nothing of how it was made; ours
//! says it in the PHC style, `$better-auth-scrypt$ln=14,r=16,p=1$<salt>$<key hex>`, so the
//! verifier knows the algorithm, its parameters and that the salt is text. A sign-in with
//! such a hash replaces it with Argon2id (see `signin`).

use subtle::ConstantTimeEq;
use unicode_normalization::UnicodeNormalization;

const PREFIX: &str = "$better-auth-scrypt$";
/// Better Auth's parameters: log2(N) = 14, r = 16, p = 1.
const PARAMS: &str = "ln=14,r=16,p=1";
const KEY_LEN: usize = 64;

/// Our stored form of Better Auth's `<salt>:<key>`, or `None` when `better_auth` is not
/// in that format (32 hex characters, a colon, 128 hex characters).
pub fn from_better_auth(better_auth: &str) -> Option<String> {
    let (salt, key) = better_auth.split_once(':')?;
    let hex_of_len = |text: &str, len: usize| text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit());
    (hex_of_len(salt, 32) && hex_of_len(key, KEY_LEN * 2))
        .then(|| format!("{PREFIX}{PARAMS}${salt}${}", key.to_ascii_lowercase()))
}

/// Whether `stored` is a carried-over scrypt hash.
pub fn is_scrypt(stored: &str) -> bool {
    stored.starts_with(PREFIX)
}

/// Checks `password` against a carried-over hash; false for anything malformed.
pub fn verify(password: &str, stored: &str) -> bool {
    let Some(rest) = stored.strip_prefix(PREFIX) else { return false };
    let mut parts = rest.split('$');
    let (Some(params), Some(salt), Some(key), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Some(params) = parse_params(params) else { return false };
    let Ok(expected) = hex::decode(key) else { return false };
    let mut derived = vec![0u8; expected.len()];
    scrypt::scrypt(normalize(password).as_bytes(), salt.as_bytes(), &params, &mut derived).is_ok()
        && bool::from(derived.as_slice().ct_eq(&expected))
}

/// The password as Better Auth hashed it: in NFKC. Its Argon2id successor is made of
/// this form, so the password typed as before keeps working.
pub fn normalize(password: &str) -> String {
    password.nfkc().collect()
}

/// `ln=…,r=…,p=…` as scrypt parameters with a 64-byte key.
fn parse_params(text: &str) -> Option<scrypt::Params> {
    let mut log_n = None;
    let mut r = None;
    let mut p = None;
    for pair in text.split(',') {
        match pair.split_once('=')? {
            ("ln", value) => log_n = value.parse::<u8>().ok(),
            ("r", value) => r = value.parse::<u32>().ok(),
            ("p", value) => p = value.parse::<u32>().ok(),
            _ => return None,
        }
    }
    scrypt::Params::new(log_n?, r?, p?, KEY_LEN).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by Better Auth for "correct horse battery staple".
    const ADA: &str = "9f1c2b7a4d5e6f708192a3b4c5d6e7f8:c819bddc21e608d2cceefbaac4f11191b705027714cdddd002467101e9b066e245a9cceabea7d52d75969cd7d54ab91d4e263c28a833be85842999787d677469";
    /// Written by Better Auth for "Grüße aus Köln 2024!" in NFKC.
    const BERND: &str = "0a1b2c3d4e5f60718293a4b5c6d7e8f9:476604e2538e0aa307d9501504859a99a6e72375ea46afb4c33447cd31d9a6bb88220d0df0269f38a5e7761f9ad4ad321d74e0b316ef3bb1342900188d2b6e57";

    #[test]
    fn better_auth_hashes_verify_with_the_salt_as_text_and_the_password_in_nfkc() {
        let ada = from_better_auth(ADA).expect("Better Auth's format");
        assert!(ada.starts_with("$better-auth-scrypt$ln=14,r=16,p=1$9f1c2b7a4d5e6f708192a3b4c5d6e7f8$c819"), "{ada}");
        assert!(is_scrypt(&ada));
        assert!(verify("correct horse battery staple", &ada));
        assert!(!verify("correct horse battery stapl", &ada));

        let bernd = from_better_auth(BERND).expect("Better Auth's format");
        assert!(verify("Grüße aus Köln 2024!", &bernd), "composed");
        assert!(verify("Gru\u{308}ße aus Ko\u{308}ln 2024!", &bernd), "decomposed accents are one password in NFKC");
        assert!(!verify("Grusse aus Koln 2024!", &bernd));
    }

    #[test]
    fn other_formats_are_not_taken_for_better_auths() {
        for unknown in [
            "$2b$10$abcdefghijklmnopqrstuu5Y7t8pIGnqHwGJ0LmRrqk6dW1mKeF0m",
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
            "9f1c2b7a4d5e6f708192a3b4c5d6e7f8",
            &ADA.replace(':', "$"),
            &ADA[1..],
            &format!("{ADA}00"),
            &ADA.replacen('9', "g", 1),
        ] {
            assert_eq!(from_better_auth(unknown), None, "{unknown}");
        }
        assert!(!verify("x", "$better-auth-scrypt$ln=14,r=16$salt$00"));
        assert!(!verify("x", "$better-auth-scrypt$ln=14,r=16,p=1$salt$zz"));
    }
}
