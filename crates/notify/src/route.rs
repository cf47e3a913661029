//! Routing by channel: one notifier for e-mail, another for SMS.

use crate::{Channel, Message, Notifier, NotifyError};
use async_trait::async_trait;
use std::sync::Arc;

/// Sends each message through the notifier of its channel.
#[derive(Debug, Clone)]
pub struct ChannelRouter {
    email: Arc<dyn Notifier>,
    sms: Arc<dyn Notifier>,
}

impl ChannelRouter {
    pub fn new(email: Arc<dyn Notifier>, sms: Arc<dyn Notifier>) -> Self {
        Self { email, sms }
    }
}

#[async_trait]
impl Notifier for ChannelRouter {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        match message.channel {
            Channel::Email => self.email.send(message).await,
            Channel::Sms => self.sms.send(message).await,
        }
    }
}

/// The notifier of a channel that has no gateway configured: every message fails with
/// [`NotifyError::Unconfigured`], naming the setting that would give it one.
#[derive(Debug, Clone, Copy)]
pub struct Unconfigured(pub &'static str);

#[async_trait]
impl Notifier for Unconfigured {
    async fn send(&self, _message: &Message) -> Result<(), NotifyError> {
        Err(NotifyError::Unconfigured(self.0))
    }
}
