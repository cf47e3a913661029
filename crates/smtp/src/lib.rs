//! The SMTP adapter of [`Notifier`]: lettre over rustls, configured by a URL.
//!
//! - `smtp://host:25` sends in clear (a local relay); `smtp://host:587?tls=required` upgrades with
//!   STARTTLS and refuses a server that cannot; `smtps://host:465` speaks TLS from the start.
//!   `user:password@` in the URL authenticates.
//! - Connections are pooled and reused; every SMTP exchange has a timeout.
//! - Transient failures (connection refused or lost, timeouts, 4xx replies) are retried with
//!   exponential back-off; permanent ones (5xx replies, a malformed address) are reported at once.

use async_trait::async_trait;
use backon::{ExponentialBuilder, Retryable};
use latchkey_notify::{Channel, Message, Notifier, NotifyError};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::PoolConfig;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::time::Duration;

/// How to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpConfig {
    /// `smtp://`, `smtp://...?tls=required` or `smtps://` URL; may carry credentials.
    pub url: String,
    /// The sender, e.g. `Yoigo <no-reply@yoigo.com>`.
    pub from: String,
    /// Limit of each SMTP exchange (connect, each command).
    pub timeout: Duration,
    /// Tries per message, the first included (at least 1).
    pub attempts: usize,
    /// Delay before the first retry; it doubles at each further one.
    pub first_retry_delay: Duration,
}

impl fmt::Debug for SmtpConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpConfig")
            .field("url", &"[REDACTED]")
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// Why the adapter cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SmtpConfigError {
    #[error(
        "LATCHKEY_SMTP_URL is not a valid SMTP URL (smtp://, smtp://...?tls=required or smtps://)"
    )]
    Url(#[source] lettre::transport::smtp::Error),
    #[error("LATCHKEY_SMTP_FROM is not a valid mailbox (`Name <address>` or `address`)")]
    From(#[source] lettre::address::AddressError),
}

/// Sends e-mail messages through one SMTP server.
#[derive(Clone)]
pub struct SmtpNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    attempts: usize,
    first_retry_delay: Duration,
}

impl fmt::Debug for SmtpNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpNotifier")
            .field("from", &self.from)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

impl SmtpNotifier {
    /// Checks the configuration; no connection is opened until the first message. Call it
    /// inside a Tokio runtime: the connection pool runs a clean-up task on it.
    pub fn new(config: &SmtpConfig) -> Result<Self, SmtpConfigError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(SmtpConfigError::Url)?
            .timeout(Some(config.timeout))
            .pool_config(PoolConfig::new().max_size(4))
            .build();
        let from = config.from.parse().map_err(SmtpConfigError::From)?;
        Ok(Self {
            transport,
            from,
            attempts: config.attempts.max(1),
            first_retry_delay: config.first_retry_delay,
        })
    }

    fn build(&self, message: &Message) -> Result<lettre::Message, NotifyError> {
        if message.channel != Channel::Email {
            return Err(NotifyError::Permanent(
                "the SMTP adapter only sends e-mail".into(),
            ));
        }
        let rendered = message.render()?;
        let to: Mailbox = message
            .recipient
            .parse()
            .map_err(|e| NotifyError::Permanent(Box::new(e)))?;
        let body = match rendered.html {
            Some(html) => MultiPart::alternative_plain_html(rendered.text, html),
            None => MultiPart::alternative_plain_html(rendered.text.clone(), rendered.text),
        };
        lettre::Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(rendered.subject)
            .multipart(body)
            .map_err(|e| NotifyError::Permanent(Box::new(e)))
    }
}

#[async_trait]
impl Notifier for SmtpNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        let email = self.build(message)?;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.first_retry_delay)
            .with_max_times(self.attempts - 1)
            .with_jitter();
        let template = message.template.name();
        (|| async { self.transport.send(email.clone()).await })
            .retry(backoff)
            .when(|e| !e.is_permanent())
            .notify(|e, delay| {
                tracing::warn!(template, error = %e, retry_in = ?delay, "e-mail not sent; retrying");
            })
            .await
            .map(drop)
            .map_err(|e| {
                if e.is_permanent() {
                    NotifyError::Permanent(Box::new(e))
                } else {
                    NotifyError::Transient(Box::new(e))
                }
            })
    }
}
