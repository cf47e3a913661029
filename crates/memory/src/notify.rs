//! A notifier that keeps what it is asked to send: the test double, and the dev-mode notifier
//! (whoever runs the server reads the messages from it instead of a mailbox).

use crate::{read, write};
use async_trait::async_trait;
use latchkey_notify::{Message, Notifier, NotifyError, Rendered};
use std::sync::RwLock;

/// Renders every message (so a template error fails here as it would on a real gateway) and
/// records it with its rendering, oldest first.
#[derive(Debug, Default)]
pub struct MemNotifier {
    sent: RwLock<Vec<(Message, Rendered)>>,
}

impl MemNotifier {
    /// Every message sent so far, oldest first, with what it rendered to.
    pub fn sent(&self) -> Vec<(Message, Rendered)> {
        read(&self.sent).clone()
    }
}

#[async_trait]
impl Notifier for MemNotifier {
    async fn send(&self, message: &Message) -> Result<(), NotifyError> {
        let rendered = message.render()?;
        write(&self.sent).push((message.clone(), rendered));
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;
    use latchkey_notify::{Channel, Language, TemplateId};

    #[tokio::test]
    async fn records_rendered_messages_in_order_and_refuses_unrenderable_ones() {
        let notifier = MemNotifier::default();
        let otp = Message::new(
            TemplateId::OtpCode,
            Language::En,
            Channel::Sms,
            "+34600111222",
            "Yoigo",
        )
        .with("code", "280597")
        .with("minutes", "5");
        notifier.send(&otp).await.unwrap();
        let changed = Message::new(
            TemplateId::PasswordChanged,
            Language::Es,
            Channel::Email,
            "ana@example.com",
            "Yoigo",
        )
        .with("username", "ana@example.com");
        notifier.send(&changed).await.unwrap();
        let incomplete = Message::new(
            TemplateId::MagicLink,
            Language::Es,
            Channel::Email,
            "ana@example.com",
            "Yoigo",
        );
        match notifier.send(&incomplete).await {
            Err(NotifyError::Render(_)) => {}
            other => panic!("{other:?}"),
        }

        let sent = notifier.sent();
        assert_eq!(sent.len(), 2);
        assert_eq!(sent[0].0, otp);
        assert!(sent[0].1.text.contains("280597"));
        assert_eq!(sent[1].0, changed);
        assert!(sent[1].1.html.is_some());
    }
}
