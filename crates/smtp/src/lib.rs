//! The SMTP adapter of [`Notifier`]: lettre over rustls, configured by a URL.
//!
//! - `smtp://host:25` sends in clear (a local relay); `smtp://host:587?tls=required` upgrades with
//!   STARTTLS and refuses a server that cannot; `smtps://host:465` speaks TLS from the start.
//!   `user:password@` in the URL authenticates.
//! - Connections are pooled and reused. A delivery cut short by the timeout leaves its connection
//!   in the middle of an exchange, and lettre would park it for the next message; so the pool it
//!   came from is replaced by a fresh one, and no later message waits on that connection.
//! - Transient failures (connection refused or lost, 4xx replies) are retried with exponential
//!   back-off; permanent ones (5xx replies, a malformed address) are reported at once.
//! - A message's whole delivery, retries included, ends within the configured timeout: lettre's
//!   own timeout covers connecting only, so a server that accepts and then says nothing would
//!   otherwise hold the caller until its request is dropped (and its clean-up with it).

use async_trait::async_trait;
use backon::{ExponentialBuilder, Retryable};
use latchkey_notify::{Channel, Message, Notifier, NotifyError};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::{AsyncSmtpTransportBuilder, PoolConfig};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// How to reach the SMTP server.
#[derive(Clone)]
pub struct SmtpConfig {
    /// `smtp://`, `smtp://...?tls=required` or `smtps://` URL; may carry credentials.
    pub url: String,
    /// The sender, e.g. `Yoigo <no-reply@yoigo.com>`.
    pub from: String,
    /// Longest a message's delivery may take, connecting and retries included.
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
    /// Makes a fresh pool; it holds the URL's credentials and is never shown.
    builder: AsyncSmtpTransportBuilder,
    pool: Arc<Mutex<Pool>>,
    from: Mailbox,
    timeout: Duration,
    attempts: usize,
    first_retry_delay: Duration,
}

impl fmt::Debug for SmtpNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpNotifier")
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .field("attempts", &self.attempts)
            .finish_non_exhaustive()
    }
}

/// The pool in use, and how many pools came before it.
struct Pool {
    generation: u64,
    transport: AsyncSmtpTransport<Tokio1Executor>,
}

impl SmtpNotifier {
    /// Checks the configuration; no connection is opened until the first message. Call it
    /// inside a Tokio runtime: the connection pool runs a clean-up task on it.
    pub fn new(config: &SmtpConfig) -> Result<Self, SmtpConfigError> {
        let builder = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
            .map_err(SmtpConfigError::Url)?
            .timeout(Some(config.timeout))
            .pool_config(PoolConfig::new().max_size(4));
        let from = config.from.parse().map_err(SmtpConfigError::From)?;
        Ok(Self {
            pool: Arc::new(Mutex::new(Pool {
                generation: 0,
                transport: builder.clone().build(),
            })),
            builder,
            from,
            timeout: config.timeout,
            attempts: config.attempts.max(1),
            first_retry_delay: config.first_retry_delay,
        })
    }

    /// The pool in use and its generation.
    fn pool(&self) -> (u64, AsyncSmtpTransport<Tokio1Executor>) {
        let pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        (pool.generation, pool.transport.clone())
    }

    /// Replaces the pool of `generation` (unless another delivery did already) with a fresh one.
    /// The old one closes its connections once the deliveries still using it are done.
    fn replace_pool(&self, generation: u64) {
        let mut pool = self.pool.lock().unwrap_or_else(PoisonError::into_inner);
        if pool.generation == generation {
            pool.generation += 1;
            pool.transport = self.builder.clone().build();
        }
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
        let mut builder = lettre::Message::builder().from(self.from.clone()).to(to);
        // A requested sender is only where replies go: the message still comes from the
        // configured address (SPF, DKIM and DMARC align with it; nobody can spoof another).
        if let Some(reply_to) = &message.reply_to {
            let reply_to: Mailbox = reply_to
                .parse()
                .map_err(|e| NotifyError::Permanent(Box::new(e)))?;
            builder = builder.reply_to(reply_to);
        }
        builder
            .subject(rendered.subject)
            .multipart(body)
            .map_err(|e| NotifyError::Permanent(Box::new(e)))
    }
}

/// The delivery did not end within the timeout (the server took the connection and went quiet).
#[derive(Debug, thiserror::Error)]
#[error("the SMTP server did not answer within {0:?}")]
struct Silent(Duration);

#[async_trait]
impl Notifier for SmtpNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        let email = self.build(message)?;
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.first_retry_delay)
            .with_max_times(self.attempts - 1)
            .with_jitter();
        let template = message.template.name();
        let (generation, transport) = self.pool();
        let delivery = (|| async { transport.send(email.clone()).await })
            .retry(backoff)
            .when(|e| !e.is_permanent())
            .notify(|e, delay| {
                tracing::warn!(template, error = %e, retry_in = ?delay, "e-mail not sent; retrying");
            });
        match tokio::time::timeout(self.timeout, delivery).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_permanent() => Err(NotifyError::Permanent(Box::new(e))),
            Ok(Err(e)) => Err(NotifyError::Transient(Box::new(e))),
            Err(_) => {
                self.replace_pool(generation);
                Err(NotifyError::Transient(Box::new(Silent(self.timeout))))
            }
        }
    }
}
