//! What mana-auth mails, in plain text.

use super::Mail;

pub fn verify_email(issuer: &str, to: &str, token: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Confirm your email address".into(),
        body: format!(
            "Confirm that {to} is your address by opening this link:\n\n{issuer}/email/verify?token={token}\n\n\
             If you did not create an account, ignore this message.\n"
        ),
    }
}

pub fn reset_password(issuer: &str, to: &str, token: &str, ttl_secs: i64) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "Reset your password".into(),
        body: format!(
            "Someone asked to reset the password of the account {to}. To choose a new one, open this link \
             within {} minutes:\n\n{issuer}/password/reset?token={token}\n\n\
             Setting a new password signs you out everywhere. If you did not ask for this, ignore this message; \
             your password stays as it is.\n",
            ttl_secs / 60
        ),
    }
}

/// To the owner of an address someone tried to sign up with again.
pub fn signup_attempt(issuer: &str, to: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: "You already have an account".into(),
        body: format!(
            "Someone tried to create an account with {to}, which already has one. If that was you, sign in \
             at {issuer}/login, or reset your password at {issuer}/password/forgot.\n\n\
             If it was not you, you need not do anything.\n"
        ),
    }
}
