//! Rules for new account data; each refusal names the rule broken.

use zxcvbn::feedback::Warning;

pub fn check_email(email: &str) -> Result<(), &'static str> {
    let email = email.trim();
    let well_formed = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if well_formed { Ok(()) } else { Err("Enter a valid email address.") }
}

/// 10 to 128 characters and not one of the most common passwords (zxcvbn's bundled list).
pub fn check_password(password: &str) -> Result<(), &'static str> {
    let length = password.chars().count();
    if length < 10 {
        return Err("The password must be at least 10 characters long.");
    }
    if length > 128 {
        return Err("The password must be at most 128 characters long.");
    }
    let warning = zxcvbn::zxcvbn(password, &[]).feedback().and_then(|f| f.warning());
    if matches!(
        warning,
        Some(Warning::ThisIsATop10Password | Warning::ThisIsATop100Password | Warning::ThisIsACommonPassword)
    ) {
        return Err("The password is on the list of the most common passwords; choose another.");
    }
    Ok(())
}

/// Usernames become `preferred_username` (and Matrix localparts): 1 to 64 of `a-z 0-9 . _ -`.
pub fn check_username(username: &str) -> Result<(), &'static str> {
    let valid = (1..=64).contains(&username.len())
        && username.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'));
    if valid { Ok(()) } else { Err("A username has 1 to 64 lowercase letters, digits, dots, dashes or underscores.") }
}

/// Display names: at most 200 characters, no control characters.
pub fn check_name(name: &str) -> Result<(), &'static str> {
    if name.chars().count() > 200 || name.chars().any(char::is_control) {
        return Err("A name has at most 200 characters and no control characters.");
    }
    Ok(())
}

/// Email, password and, when given, username of a new account.
pub fn check_new_account(email: &str, password: &str, username: Option<&str>) -> Result<(), &'static str> {
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
    fn emails_and_usernames_are_checked() {
        assert!(check_email(" Ada@Example.org ").is_ok());
        for bad in ["ada", "ada@", "@example.org", "ada@example", "a b@example.org"] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert!(check_username("ada.l_1-x").is_ok());
        assert!(check_username("Ada").is_err() && check_username("").is_err());
    }
}
