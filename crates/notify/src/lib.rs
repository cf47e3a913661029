//! Notifications: what Latchkey tells customers, in their language, by e-mail or SMS.
//!
//! A [`Message`] is a template id, a language, a channel, a recipient, the tenant's display name
//! and the template's parameters. [`Message::render`] turns it into text (and HTML for e-mail)
//! with the templates under `templates/` (minijinja, embedded in the binary: Spanish and English,
//! Spanish when the language is unknown). A [`Notifier`] delivers it; the SMTP and SMS adapters
//! live in their own crates, and the memory adapter records messages for tests and dev mode.
//!
//! Pure domain: no I/O here; minijinja is a pure template engine (it uses serde internally for its
//! values; no wire format is defined here).

mod message;
mod render;
mod route;

pub use message::{Channel, Language, Message, TemplateId};
pub use render::{RenderError, Rendered};
pub use route::{ChannelRouter, Unconfigured};

use async_trait::async_trait;
use latchkey_core::BoxError;

/// Why a message was not delivered.
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The message could not be rendered (a missing parameter: a bug, not a delivery failure).
    #[error("the message could not be rendered")]
    Render(#[from] RenderError),
    /// The gateway failed in a way that may pass (timeout, connection refused, 4xx of SMTP,
    /// 5xx or 429 of an HTTP gateway); adapters retry these before giving up.
    #[error("temporary delivery failure")]
    Transient(#[source] BoxError),
    /// The gateway refused the message for good (bad recipient, rejected sender, 4xx of an HTTP
    /// gateway); retrying would not help.
    #[error("delivery refused")]
    Permanent(#[source] BoxError),
    /// No gateway is configured for the message's channel (the text says which setting).
    #[error("no gateway for this channel: {0}")]
    Unconfigured(&'static str),
}

/// Delivers messages.
#[async_trait]
pub trait Notifier: Send + Sync + std::fmt::Debug {
    /// Renders and sends `message` through its channel. `Ok` means the gateway accepted it.
    async fn send(&self, message: &Message) -> Result<(), NotifyError>;
}
