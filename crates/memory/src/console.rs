//! Dev mode's outbox: messages are rendered, as a gateway would get them, and printed on
//! standard output instead of sent, so whoever runs the server can follow the links they carry.
//! Never used on a database: there a channel without a gateway fails instead (see `notifier`).

use async_trait::async_trait;
use latchkey_notify::{Channel, Message, Notifier, NotifyError};
use std::io::Write as _;

/// Prints each message on standard output.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleNotifier;

#[async_trait]
impl Notifier for ConsoleNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        let rendered = message.render()?;
        let (kind, setting) = match message.channel {
            Channel::Email => ("e-mail", "LATCHKEY_SMTP_URL"),
            Channel::Sms => ("SMS", "LATCHKEY_SMS_URL"),
        };
        let mut out = format!(
            "---- dev mode: {kind} not sent ({setting} is not set) ----\nTo: {}\n",
            message.recipient
        );
        if !rendered.subject.is_empty() {
            out.push_str(&format!("Subject: {}\n", rendered.subject));
        }
        out.push('\n');
        out.push_str(&rendered.text);
        out.push_str("\n----\n");
        std::io::stdout()
            .lock()
            .write_all(out.as_bytes())
            .map_err(|e| NotifyError::Transient(Box::new(e)))
    }
}
