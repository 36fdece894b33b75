//! Where alerts go (`[[notify.targets]]`), and the checks on them.

use serde::Deserialize;
use url::Url;

use super::{ConfigError, invalid};

/// Where operational events are sent (`[[notify.targets]]`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    #[serde(default)]
    pub targets: Vec<NotifyTarget>,
    /// Seconds the database may stay unreachable before each server says so; 0: never.
    pub db_down_secs: u64,
}

/// One place a person reads: a Slack-compatible webhook, or a mailbox.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum NotifyTarget {
    Webhook { url: String },
    Email { to: String },
}

/// A webhook's URL is its credential: printed configurations show it redacted.
impl std::fmt::Debug for NotifyTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NotifyTarget::Webhook { .. } => f.debug_struct("Webhook").field("url", &"[redacted]").finish(),
            NotifyTarget::Email { to } => f.debug_struct("Email").field("to", to).finish(),
        }
    }
}

impl NotifyTarget {
    /// How a delivery names its target: `webhook <url>` or `email <address>`.
    pub fn key(&self) -> String {
        match self {
            NotifyTarget::Webhook { url } => format!("webhook {url}"),
            NotifyTarget::Email { to } => format!("email {to}"),
        }
    }
}

impl NotifyConfig {
    /// Each target is an http(s) URL or a mail address; a bad one names its key.
    pub(super) fn validate(&self) -> Result<(), ConfigError> {
        for (i, target) in self.targets.iter().enumerate() {
            let key = format!("notify.targets[{i}]");
            match target {
                NotifyTarget::Webhook { url } => {
                    let web = Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "http" | "https"));
                    if !web {
                        return Err(invalid(format!("{key}.url"), "must be an http(s) URL"));
                    }
                }
                NotifyTarget::Email { to } => {
                    if to.parse::<lettre::Address>().is_err() {
                        return Err(invalid(format!("{key}.to"), "must be an email address"));
                    }
                }
            }
        }
        Ok(())
    }
}
