//! Rules for new account data; each refusal names the rule broken.

use std::fmt;

use unicode_properties::{GeneralCategoryGroup, UnicodeGeneralCategory};
use zxcvbn::feedback::Warning;

use crate::store::users::normalize_email;

/// A rule broken: in words for the API and operators, and the catalogue key a page
/// says it with in the reader's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub key: &'static str,
    pub message: &'static str,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

const INVALID_EMAIL: Rule = Rule { key: "rule-email-invalid", message: "Enter a valid email address." };
const INVISIBLE: Rule =
    Rule { key: "rule-email-invisible", message: "An email address cannot hold invisible or control characters." };
const LOCAL_PART: Rule = Rule {
    key: "rule-email-local-part",
    message: "Before the @, an email address holds only letters a-z, digits and . ! # $ % & ' * + - / = ? ^ _ ` { | } ~",
};
const SHORT_PASSWORD: Rule =
    Rule { key: "rule-password-short", message: "The password must be at least 10 characters long." };
const LONG_PASSWORD: Rule =
    Rule { key: "rule-password-long", message: "The password must be at most 128 characters long." };
const COMMON_PASSWORD: Rule = Rule {
    key: "rule-password-common",
    message: "The password is on the list of the most common passwords; choose another.",
};
const USERNAME: Rule = Rule {
    key: "rule-username",
    message: "A username has 1 to 64 lowercase letters, digits, dots, dashes or underscores.",
};
const NAME: Rule = Rule { key: "rule-name", message: "A name has at most 200 characters and no control characters." };

/// An address an account can have: no invisible or control characters, and once
/// normalised (see `normalize_email`) one that every SMTP server takes (RFC 5321 §4.1.2,
/// no SMTPUTF8): an ASCII dot-atom before the @, never a quoted string or brackets, and
/// a host name after it. lettre, which sends our mail, must accept it too.
pub fn check_email(email: &str) -> Result<(), Rule> {
    if email.trim().chars().any(is_invisible) {
        return Err(INVISIBLE);
    }
    let normalized = normalize_email(email);
    let (local, domain) = normalized.rsplit_once('@').ok_or(INVALID_EMAIL)?;
    if !is_dot_atom(local) {
        return Err(LOCAL_PART);
    }
    let mailable = normalized.len() <= 254 && is_host_name(domain) && lettre::Address::new(local, domain).is_ok();
    if mailable { Ok(()) } else { Err(INVALID_EMAIL) }
}

/// Control, format (zero-width, bidi), private-use and unassigned code points, and the
/// other default-ignorable ones (Unicode DerivedCoreProperties): nothing a reader sees.
fn is_invisible(c: char) -> bool {
    c.general_category_group() == GeneralCategoryGroup::Other
        || matches!(c, '\u{034F}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}' | '\u{180B}'..='\u{180F}')
        || matches!(c, '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FFA0}' | '\u{E0100}'..='\u{E01EF}')
}

/// RFC 5322 §3.2.3 dot-atom of ASCII atext, at most 64 octets (RFC 5321 §4.5.3.1.1).
fn is_dot_atom(local: &str) -> bool {
    let atext = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~".contains(&b);
    local.len() <= 64 && local.split('.').all(|atom| !atom.is_empty() && atom.bytes().all(atext))
}

/// A DNS host name (RFC 1123 §2.1) of two labels or more, not an address literal.
fn is_host_name(domain: &str) -> bool {
    let label = |l: &str| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    };
    let labels: Vec<&str> = domain.split('.').collect();
    domain.len() <= 253
        && labels.len() >= 2
        && labels.iter().all(|l| label(l))
        && labels.last().is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
}

/// 10 to 128 characters and not one of the most common passwords (zxcvbn's bundled list).
pub fn check_password(password: &str) -> Result<(), Rule> {
    let length = password.chars().count();
    if length < 10 {
        return Err(SHORT_PASSWORD);
    }
    if length > 128 {
        return Err(LONG_PASSWORD);
    }
    let warning = zxcvbn::zxcvbn(password, &[]).feedback().and_then(|f| f.warning());
    if matches!(
        warning,
        Some(Warning::ThisIsATop10Password | Warning::ThisIsATop100Password | Warning::ThisIsACommonPassword)
    ) {
        return Err(COMMON_PASSWORD);
    }
    Ok(())
}

/// Usernames become `preferred_username` (and Matrix localparts): 1 to 64 of `a-z 0-9 . _ -`.
pub fn check_username(username: &str) -> Result<(), Rule> {
    let valid = (1..=64).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if valid { Ok(()) } else { Err(USERNAME) }
}

/// Display names: at most 200 characters, no control characters.
pub fn check_name(name: &str) -> Result<(), Rule> {
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err(NAME);
    }
    Ok(())
}

/// Email, password and, when given, username of a new account.
pub fn check_new_account(email: &str, password: &str, username: Option<&str>) -> Result<(), Rule> {
    check_email(email)?;
    check_password(password)?;
    username.map_or(Ok(()), check_username)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_passwords_are_refused_and_long_unusual_ones_pass() {
        for common in ["1234567890", "qwertyuiop", "password123"] {
            assert!(check_password(common).is_err(), "{common}");
        }
        assert!(check_password("short").is_err());
        assert!(check_password(&"x".repeat(129)).is_err());
        assert!(check_password("correct horse battery").is_ok());
    }

    #[test]
    fn plain_addresses_are_checked() {
        for good in [" Ada@Example.org ", "a.b+tag@mail.example.org", "o'neil@example.org", "ada@bücher.example"] {
            assert!(check_email(good).is_ok(), "{good}");
        }
        for bad in
            ["ada", "ada@", "@example.org", "ada@example", "a b@example.org", "a..b@example.org", ".a@example.org"]
        {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unmailable_and_invisible_addresses_are_refused() {
        for bad in [
            "\"alice\"@example.org",
            "<script>@example.org",
            "alice@[127.0.0.1]",
            "alice@example.123",
            "al\u{0131}ce@example.org",
            "jos\u{e9}@example.org",
            "al\u{200B}ice@example.org",
            "alice@exam\u{00AD}ple.org",
            "alice\u{FEFF}@example.org",
            "alice@exam\u{FE0F}ple.org",
            "a\u{0}@example.org",
        ] {
            assert!(check_email(bad).is_err(), "{bad:?}");
        }
        assert!(check_email(&format!("{}@example.org", "a".repeat(65))).is_err());
    }

    #[test]
    fn twins_normalise_to_one_address() {
        let fullwidth = "\u{FF41}\u{FF4C}\u{FF49}\u{FF43}\u{FF45}@example.org";
        assert!(check_email(fullwidth).is_ok());
        assert_eq!(normalize_email(fullwidth), "alice@example.org");
        assert_eq!(normalize_email(" ALICE@Example.ORG "), "alice@example.org");
        let composed = normalize_email("ada@caf\u{e9}.example");
        assert_eq!(composed, "ada@xn--caf-dma.example");
        assert_eq!(normalize_email("ada@cafe\u{301}.example"), composed);
        assert_eq!(normalize_email("ADA@CAF\u{C9}.EXAMPLE"), composed);
    }

    #[test]
    fn usernames_are_checked() {
        assert!(check_username("ada.l_1-x").is_ok());
        assert!(check_username("Ada").is_err() && check_username("").is_err());
    }
}
