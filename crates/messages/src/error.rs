//! Why a message was not sent or a number not proved.

use latchkey_core::StoreError;
use latchkey_notify::{Channel, NotifyError};
use latchkey_operator::OperatorError;
use latchkey_subscriber::SubscriberError;

/// The failures of the messages use cases.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    /// The caller's role sends no test message (only `root`, `admin` and `partner` do).
    #[error("the caller may not send test messages")]
    AccessDenied,
    /// A field is unusable; the name says which (`recipients`, `from`, `subject`, `text`,
    /// `to`).
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// Too many messages or codes lately; another is possible after `retry_after`.
    #[error("too many messages; retry after {retry_after}")]
    Throttled { retry_after: time::Duration },
    /// The code does not prove the number: wrong, expired, used, burnt, never sent, or sent for
    /// another number or account.
    #[error("the code does not prove the number")]
    CodeRejected,
    /// The account holds as many mobiles as it may ([`crate::MAX_MOBILES`]).
    #[error("too many mobiles")]
    TooManyMobiles,
    /// No gateway is configured for the channel.
    #[error("no gateway for {0:?}")]
    Unconfigured(Channel),
    /// The gateway did not take the message (down, timed out, or refused it).
    #[error("the message was not delivered")]
    Undeliverable(#[source] NotifyError),
    /// The message could not be rendered: a bug of ours, not a delivery failure.
    #[error("the message could not be rendered")]
    Render(#[source] NotifyError),
    /// The operator could not be updated.
    #[error(transparent)]
    Operator(#[from] OperatorError),
    /// The subscriber could not be updated.
    #[error(transparent)]
    Subscriber(#[from] SubscriberError),
    /// A store (codes, counters) is down.
    #[error(transparent)]
    Unavailable(#[from] StoreError),
}

impl MessageError {
    /// The error of a message the notifier did not deliver.
    pub(crate) fn of_delivery(e: NotifyError, channel: Channel) -> Self {
        match e {
            NotifyError::Unconfigured(_) => MessageError::Unconfigured(channel),
            NotifyError::Render(_) => MessageError::Render(e),
            NotifyError::Transient(_) | NotifyError::Permanent(_) => MessageError::Undeliverable(e),
        }
    }
}
