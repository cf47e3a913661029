//! The test sends (`POST /email`, `POST /sms`): who may, how often, and through the notifier.

use crate::{MessageError, TestEmail, TestSms};
use latchkey_core::{Clock, Rate, RateLimiter, SecureRandom, StoreError, Verdict};
use latchkey_notify::{Channel, Language, Message, Notifier, TemplateId};
use latchkey_operator::permissions;
use latchkey_operator::profiles::resource::MESSAGES;
use latchkey_operator::{Operator, OperatorService, ProfileAccess};
use latchkey_otp::OtpStore;
use std::sync::Arc;
use time::Duration;

/// Test messages one operator may send in an hour (an e-mail to several recipients counts
/// once per recipient): enough to check a gateway, too few to turn it into a mailer.
pub const TESTS_PER_HOUR: u32 = 20;

/// What the messages use cases need from the outside.
#[derive(Debug, Clone)]
pub struct MessagePorts {
    pub notifier: Arc<dyn Notifier>,
    /// The codes that prove numbers (Redis when configured: every instance sees them).
    pub codes: Arc<dyn OtpStore>,
    /// Counts test messages and proofs per account.
    pub limiter: Arc<dyn RateLimiter>,
    /// The operators directory: a proved number joins the operator's mobiles through it.
    pub operators: OperatorService,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
}

/// The messages use cases; cheap to clone.
#[derive(Debug, Clone)]
pub struct MessageService {
    pub(crate) ports: MessagePorts,
    /// The brand the messages carry (the `tenant` of the templates).
    pub(crate) brand: String,
}

impl MessageService {
    /// `brand`: the name operators' messages carry.
    pub fn new(ports: MessagePorts, brand: impl Into<String>) -> Self {
        Self {
            ports,
            brand: brand.into(),
        }
    }

    /// Sends `email` to each of its recipients as `actor`: `AccessDenied` unless its profile
    /// may `TEST` `messages` (root, admin, partner); `Throttled` past [`TESTS_PER_HOUR`];
    /// `Unconfigured`, `Undeliverable` when the SMTP server is missing or does not take one
    /// (the recipients before it got theirs). The message comes from the configured sender;
    /// the `from` asked for is only its `Reply-To`.
    pub async fn send_test_email(
        &self,
        actor: &Operator,
        email: &TestEmail,
    ) -> Result<(), MessageError> {
        Self::may_send_tests(actor)?;
        for recipient in email.recipients() {
            self.count_test(actor).await?;
            let mut message = Message::new(
                TemplateId::TestEmail,
                language(actor),
                Channel::Email,
                recipient.as_str(),
                self.brand.as_str(),
            )
            .with("subject", email.subject())
            .with("text", email.text())
            .with("sender", actor.email.as_str());
            if let Some(reply_to) = email.reply_to() {
                message = message.reply_to(reply_to);
            }
            self.deliver(&message).await?;
        }
        Ok(())
    }

    /// Sends `sms` as `actor`: as [`MessageService::send_test_email`], through the SMS gateway.
    pub async fn send_test_sms(&self, actor: &Operator, sms: &TestSms) -> Result<(), MessageError> {
        Self::may_send_tests(actor)?;
        self.count_test(actor).await?;
        let message = Message::new(
            TemplateId::TestSms,
            language(actor),
            Channel::Sms,
            sms.to().as_str(),
            self.brand.as_str(),
        )
        .with("text", sms.text());
        self.deliver(&message).await
    }

    /// `AccessDenied` unless `actor` may send test messages (its profile may `TEST`
    /// `messages`): asked first, so that a caller who may not learns nothing of its input.
    pub fn may_send_tests(actor: &Operator) -> Result<(), MessageError> {
        if permissions::may(actor, MESSAGES, ProfileAccess::Test) {
            Ok(())
        } else {
            Err(MessageError::AccessDenied)
        }
    }

    /// Counts one test message of `actor`; `Throttled` past the hour's allowance.
    async fn count_test(&self, actor: &Operator) -> Result<(), MessageError> {
        let key = format!("msg-test:{}", actor.id);
        self.limit(&key, TESTS_PER_HOUR).await
    }

    /// Counts one event of `key` against `per_hour`.
    pub(crate) async fn limit(&self, key: &str, per_hour: u32) -> Result<(), MessageError> {
        let rate = Rate::new(per_hour, Duration::hours(1))
            .map_err(|e| StoreError::Unavailable(Box::new(e)))?;
        match self
            .ports
            .limiter
            .hit(key, rate, self.ports.clock.now())
            .await?
        {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { retry_after } => Err(MessageError::Throttled { retry_after }),
        }
    }

    /// Hands `message` to the notifier.
    pub(crate) async fn deliver(&self, message: &Message) -> Result<(), MessageError> {
        self.ports
            .notifier
            .send(message)
            .await
            .map_err(|e| MessageError::of_delivery(e, message.channel))
    }
}

/// The language of `operator`'s messages: its locale's.
fn language(operator: &Operator) -> Language {
    Language::from_tag(Some(&operator.locale))
}
