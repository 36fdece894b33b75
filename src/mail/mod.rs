//! Outgoing mail: over SMTP (`mail.smtp_url`), or written as `.eml` files under
//! `mail.outbox_dir` for development and tests. What is said lives in `messages`.

pub mod messages;

use std::path::PathBuf;

use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, header::ContentType},
};

use crate::{config::MailConfig, security::opaque::random_token};

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("mail: {0}")]
    Config(String),
    #[error("mail: cannot build the message: {0}")]
    Build(#[from] lettre::error::Error),
    #[error("mail: {0}")]
    Address(#[from] lettre::address::AddressError),
    #[error("mail: SMTP: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error("mail: outbox: {0}")]
    Outbox(#[from] std::io::Error),
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Outbox(PathBuf),
}

pub struct Mailer {
    from: Mailbox,
    transport: Transport,
}

/// One plain-text message.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub body: String,
}

impl Mailer {
    pub fn new(config: &MailConfig) -> Result<Self, MailError> {
        let from = config.from.parse()?;
        let transport = match &config.smtp_url {
            Some(url) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose())
                    .map_err(|e| MailError::Config(format!("mail.smtp_url: {e}")))?
                    .build(),
            ),
            None => Transport::Outbox(PathBuf::from(&config.outbox_dir)),
        };
        Ok(Self { from, transport })
    }

    pub async fn send(&self, mail: Mail) -> Result<(), MailError> {
        let message = Message::builder()
            .from(self.from.clone())
            .to(mail.to.parse()?)
            .subject(mail.subject)
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body)?;
        match &self.transport {
            Transport::Smtp(smtp) => {
                smtp.send(message).await?;
            }
            Transport::Outbox(dir) => {
                tokio::fs::create_dir_all(dir).await?;
                let micros = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000;
                let name = format!("{micros:020}-{}", random_token(6));
                let partial = dir.join(format!("{name}.partial"));
                tokio::fs::write(&partial, message.formatted()).await?;
                tokio::fs::rename(&partial, dir.join(format!("{name}.eml"))).await?;
            }
        }
        Ok(())
    }
}
