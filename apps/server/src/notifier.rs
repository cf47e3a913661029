//! The notifier the server sends messages with: e-mail through SMTP and SMS through the HTTP
//! gateway when they are configured; otherwise printed (dev mode) or refused (on a database,
//! where printing would put customers' links in a log).

use crate::config::ServerConfig;
use anyhow::Context as _;
use latchkey_core::SecretString;
use latchkey_memory::ConsoleNotifier;
use latchkey_notify::{ChannelRouter, Notifier, Unconfigured};
use latchkey_sms::{SmsConfig, SmsNotifier};
use latchkey_smtp::{SmtpConfig, SmtpNotifier};
use std::sync::Arc;
use std::time::Duration;

/// Delay before the first retry of a message; it doubles at each further one.
const FIRST_RETRY_DELAY: Duration = Duration::from_millis(200);

/// Builds the channel router. `dev_mode`: no database, so a channel without a gateway prints.
/// Must run inside the Tokio runtime (the SMTP pool runs a clean-up task on it).
pub fn build(config: &ServerConfig, dev_mode: bool) -> anyhow::Result<Arc<dyn Notifier>> {
    let timeout = Duration::from_millis(config.notify_timeout_ms);
    // A delivery still running when its request times out is dropped with the request, and the
    // clean-up after a failed delivery (withdrawing the token or code it carried) with it.
    anyhow::ensure!(
        timeout < Duration::from_secs(u64::from(config.request_timeout)),
        "LATCHKEY_NOTIFY_TIMEOUT_MS must be shorter than LATCHKEY_REQUEST_TIMEOUT"
    );
    let attempts = usize::try_from(config.notify_attempts).unwrap_or(1);
    let fallback = |setting: &'static str| -> Arc<dyn Notifier> {
        if dev_mode {
            Arc::new(ConsoleNotifier)
        } else {
            tracing::warn!("{setting} is not set: flows that need it answer 503");
            Arc::new(Unconfigured(setting))
        }
    };
    let email: Arc<dyn Notifier> = match &config.smtp_url {
        Some(url) => Arc::new(
            SmtpNotifier::new(&SmtpConfig {
                url: url.expose().to_owned(),
                from: config.smtp_from.clone(),
                timeout,
                attempts,
                first_retry_delay: FIRST_RETRY_DELAY,
            })
            .context("configuring e-mail")?,
        ),
        None => fallback("LATCHKEY_SMTP_URL"),
    };
    let sms: Arc<dyn Notifier> = match &config.sms_url {
        Some(url) => Arc::new(
            SmsNotifier::new(SmsConfig {
                url: url.clone(),
                token: config
                    .sms_token
                    .as_ref()
                    .map(|t| SecretString::from(t.expose())),
                from: config.sms_from.clone(),
                timeout,
                attempts,
                first_retry_delay: FIRST_RETRY_DELAY,
            })
            .context("configuring SMS")?,
        ),
        None => fallback("LATCHKEY_SMS_URL"),
    };
    Ok(Arc::new(ChannelRouter::new(email, sms)))
}
