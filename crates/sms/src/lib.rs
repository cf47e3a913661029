//! The SMS adapter of [`Notifier`]: an HTTP gateway that takes `{"to", "from", "text"}` as JSON.
//!
//! A 2xx answer means the gateway accepted the message; anything else is a failure. Connection
//! errors, timeouts, 5xx and 429 are transient and retried with exponential back-off; other
//! answers (4xx: a bad number, a rejected sender, a bad token) are permanent and reported at once.
//! A message's whole delivery, retries included, ends within the configured timeout, so a gateway
//! that takes the connection and never answers cannot hold the caller past it.

use async_trait::async_trait;
use backon::{ExponentialBuilder, Retryable};
use latchkey_core::{ExposeSecret, SecretString};
use latchkey_notify::{Channel, Message, Notifier, NotifyError};
use std::fmt;
use std::time::Duration;

/// How to reach the gateway.
#[derive(Clone)]
pub struct SmsConfig {
    /// The gateway's URL (`LATCHKEY_SMS_URL`); messages are POSTed to it.
    pub url: String,
    /// Sent as `Authorization: Bearer ...` when set.
    pub token: Option<SecretString>,
    /// The `from` of every message (a sender id or number).
    pub from: String,
    /// Longest a message's delivery may take, connecting and retries included.
    pub timeout: Duration,
    /// Tries per message, the first included (at least 1).
    pub attempts: usize,
    /// Delay before the first retry; it doubles at each further one.
    pub first_retry_delay: Duration,
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsConfig")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("from", &self.from)
            .field("timeout", &self.timeout)
            .field("attempts", &self.attempts)
            .finish()
    }
}

/// Why the adapter cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum SmsConfigError {
    #[error("LATCHKEY_SMS_URL is not an http:// or https:// URL")]
    Url,
    #[error("the HTTP client could not be built")]
    Client(#[source] reqwest::Error),
}

/// Sends SMS messages through one HTTP gateway.
#[derive(Clone)]
pub struct SmsNotifier {
    client: reqwest::Client,
    config: SmsConfig,
}

impl fmt::Debug for SmsNotifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsNotifier")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(serde::Serialize)]
struct Outgoing<'a> {
    to: &'a str,
    from: &'a str,
    text: &'a str,
}

/// One failed attempt.
#[derive(Debug, thiserror::Error)]
enum Attempt {
    #[error("the gateway could not be reached")]
    Unreachable(#[source] reqwest::Error),
    #[error("the gateway answered {0}")]
    Status(reqwest::StatusCode),
}

/// The delivery did not end within the timeout (the gateway took the request and went quiet).
#[derive(Debug, thiserror::Error)]
#[error("the gateway did not answer within {0:?}")]
struct Silent(Duration);

impl Attempt {
    fn is_transient(&self) -> bool {
        match self {
            Attempt::Unreachable(_) => true,
            Attempt::Status(status) => {
                status.is_server_error() || *status == reqwest::StatusCode::TOO_MANY_REQUESTS
            }
        }
    }
}

impl SmsNotifier {
    pub fn new(config: SmsConfig) -> Result<Self, SmsConfigError> {
        if !(config.url.starts_with("http://") || config.url.starts_with("https://")) {
            return Err(SmsConfigError::Url);
        }
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(SmsConfigError::Client)?;
        Ok(Self { client, config })
    }

    async fn post(&self, body: &Outgoing<'_>) -> Result<(), Attempt> {
        let mut request = self.client.post(&self.config.url).json(body);
        if let Some(token) = &self.config.token {
            request = request.bearer_auth(token.expose_secret());
        }
        let response = request.send().await.map_err(Attempt::Unreachable)?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(Attempt::Status(status))
        }
    }
}

#[async_trait]
impl Notifier for SmsNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        if message.channel != Channel::Sms {
            return Err(NotifyError::Permanent(
                "the SMS adapter only sends SMS".into(),
            ));
        }
        let rendered = message.render()?;
        let body = Outgoing {
            to: &message.recipient,
            from: &self.config.from,
            text: &rendered.text,
        };
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.config.first_retry_delay)
            .with_max_times(self.config.attempts.max(1) - 1)
            .with_jitter();
        let template = message.template.name();
        let delivery = (|| self.post(&body))
            .retry(backoff)
            .when(Attempt::is_transient)
            .notify(|e, delay| {
                tracing::warn!(template, error = %e, retry_in = ?delay, "SMS not sent; retrying");
            });
        match tokio::time::timeout(self.config.timeout, delivery).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) if e.is_transient() => Err(NotifyError::Transient(Box::new(e))),
            Ok(Err(e)) => Err(NotifyError::Permanent(Box::new(e))),
            Err(_) => Err(NotifyError::Transient(Box::new(Silent(
                self.config.timeout,
            )))),
        }
    }
}
