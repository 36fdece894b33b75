//! What mana-auth mails, in plain text, in the reader's language.

use fluent_bundle::FluentValue;

use super::Mail;
use crate::i18n::Lang;

fn mail(t: &Lang, to: &str, kind: &str, args: &[(&str, FluentValue<'_>)]) -> Mail {
    let body = t.with(&format!("mail-{kind}-body"), args);
    Mail { to: to.to_owned(), subject: t.get(&format!("mail-{kind}-subject")), body: format!("{body}\n") }
}

pub fn verify_email(t: &Lang, issuer: &str, to: &str, token: &str) -> Mail {
    let link = format!("{issuer}/email/verify?token={token}");
    mail(t, to, "verify", &[("email", to.into()), ("link", link.into())])
}

pub fn reset_password(t: &Lang, issuer: &str, to: &str, token: &str, ttl_secs: i64) -> Mail {
    let link = format!("{issuer}/password/reset?token={token}");
    mail(t, to, "reset", &[("email", to.into()), ("link", link.into()), ("minutes", (ttl_secs / 60).into())])
}

/// To the owner of an address someone tried to sign up with again.
pub fn signup_attempt(t: &Lang, issuer: &str, to: &str) -> Mail {
    let (login, forgot) = (format!("{issuer}/login"), format!("{issuer}/password/forgot"));
    mail(t, to, "signup-attempt", &[("email", to.into()), ("login", login.into()), ("forgot", forgot.into())])
}

/// To the new address of an account: the link that moves the account to it.
pub fn change_email(t: &Lang, issuer: &str, to: &str, token: &str, ttl_secs: i64) -> Mail {
    let link = format!("{issuer}/account/email/confirm?token={token}");
    mail(t, to, "change-email", &[("email", to.into()), ("link", link.into()), ("minutes", (ttl_secs / 60).into())])
}

/// To the old address of an account, once it moved to another.
pub fn email_changed(t: &Lang, to: &str) -> Mail {
    mail(t, to, "email-changed", &[("email", to.into())])
}
