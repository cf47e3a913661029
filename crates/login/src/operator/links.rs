//! One-use links e-mailed to operators: a password reset (`forgotPassword`) and the proof of a
//! new operator's e-mail address. Each carries a 256-bit secret; the `EphemeralStore` keeps only
//! its hash (the key of the record), the operator and what the link does, until it expires or
//! is used. The pages that follow them are `/api/v1/actionLink` (the HTTP face).

use super::password::account_key;
use super::{OPERATOR_BRAND, OperatorSignIn, SignInError};
use crate::service::secret;
use latchkey_core::SecretHash;
use latchkey_credential::Password;
use latchkey_notify::{Channel, Language, Message, Notifier, TemplateId};
use latchkey_oauth::EphemeralStore;
use latchkey_operator::{Operator, OperatorEmail, OperatorError};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// How long a password-reset link works.
pub const RESET_LINK_TTL: Duration = Duration::hours(1);
/// How long an e-mail verification link works.
pub const VERIFICATION_LINK_TTL: Duration = Duration::hours(24);
/// After a reset link is asked for an e-mail, further requests for it are ignored this long
/// (whether or not an operator has it): no flood of messages.
pub const FORGOT_INTERVAL: Duration = Duration::seconds(60);

/// What a link does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Action {
    PasswordReset,
    EmailVerification,
}

impl Action {
    /// The `action` of the link's URL.
    fn name(self) -> &'static str {
        match self {
            Action::PasswordReset => "password_reset",
            Action::EmailVerification => "email_verification",
        }
    }
}

/// What the store keeps of a link.
#[derive(Debug, Serialize, Deserialize)]
struct LinkRecord {
    action: Action,
    operator: Uuid,
    /// Unix seconds.
    expires: i64,
}

fn link_key(secret: &str) -> String {
    format!("oplink:{}", SecretHash::of(secret.as_bytes()).to_hex())
}

impl OperatorSignIn {
    /// Sends a password-reset link to the operator whose e-mail is `user_id` (case-insensitive).
    /// Answers `Ok` whether or not there is one, and whether or not the message went: the
    /// answer never tells who is an operator. Nothing is sent to a suspended or blacklisted
    /// operator, and a second request for one e-mail within [`FORGOT_INTERVAL`] sends nothing.
    /// An unknown e-mail costs the same store round trips as a known one; the delivery of the
    /// message is the difference left, which [`OperatorSignIn::forgot_password_detached`] lets
    /// a face take out of the answer's time.
    pub async fn forgot_password(&self, user_id: &str) -> Result<(), SignInError> {
        if let Some(delivery) = self.forgot_password_detached(user_id).await? {
            // Delivery failures are not told either (the link was withdrawn).
            let _ = delivery.send().await;
        }
        Ok(())
    }

    /// [`OperatorSignIn::forgot_password`] up to the message: the link is stored (when there is
    /// an operator to send it to) and its delivery handed back, for the face to run detached
    /// so that the answer takes the same time for every e-mail.
    pub async fn forgot_password_detached(
        &self,
        user_id: &str,
    ) -> Result<Option<LinkDelivery>, SignInError> {
        let first = self
            .ports
            .ephemeral
            .put_new(
                &format!("opforgot:{}", account_key(user_id)),
                b"1",
                FORGOT_INTERVAL,
            )
            .await?;
        let found = match OperatorEmail::parse(user_id) {
            Ok(email) => self.ports.operators.find_by_email(&email).await?,
            Err(_) => None,
        };
        let Some(operator) = found.filter(|o| first && !o.suspended && !o.blacklisted) else {
            return Ok(None);
        };
        self.link(&operator, Action::PasswordReset, RESET_LINK_TTL)
            .await
            .map(Some)
    }

    /// Sends `operator` a link that proves its e-mail address (it may sign in once it is
    /// followed). `Undeliverable` when the message did not go.
    pub async fn send_email_verification(&self, operator: &Operator) -> Result<(), SignInError> {
        self.link(operator, Action::EmailVerification, VERIFICATION_LINK_TTL)
            .await?
            .send()
            .await
    }

    /// Follows a verification link (`id` of the URL): the operator's address is proved and it
    /// is answered. `InvalidToken` for a link unknown, expired, used or of another kind.
    pub async fn verify_email(&self, link: &str) -> Result<Operator, SignInError> {
        let record = self.take_link(link, Action::EmailVerification).await?;
        match self.ports.operators.mark_validated(record.operator).await {
            Ok(operator) => Ok(operator),
            Err(OperatorError::NotFound) => Err(SignInError::InvalidToken),
            Err(e) => Err(e.into()),
        }
    }

    /// Follows a reset link (`id` of the URL) with the new password: set (the policy and the
    /// last five: `PasswordInvalid`, `PasswordAlreadyUsed`, and the link stays usable), then
    /// every session of the operator ends. `InvalidToken` for a link unknown, expired, used or
    /// of another kind.
    pub async fn reset_password(
        &self,
        link: &str,
        new_password: &Password,
    ) -> Result<(), SignInError> {
        let record = self.take_link(link, Action::PasswordReset).await?;
        match self
            .ports
            .operators
            .set_password(record.operator, new_password)
            .await
        {
            Ok(_) => {}
            Err(OperatorError::NotFound) => return Err(SignInError::InvalidToken),
            Err(e) => {
                // A refused password does not use the link up.
                self.put_back(link, &record).await?;
                return Err(e.into());
            }
        }
        self.ports.operators.end_sessions(record.operator).await?;
        Ok(())
    }

    /// Stores a new link of `operator` and prepares its message.
    async fn link(
        &self,
        operator: &Operator,
        action: Action,
        ttl: Duration,
    ) -> Result<LinkDelivery, SignInError> {
        let secret = secret(self.ports.directory.random.as_ref());
        let record = LinkRecord {
            action,
            operator: operator.id,
            expires: (self.now() + ttl).unix_timestamp(),
        };
        let bytes = serde_json::to_vec(&record).map_err(SignInError::unavailable)?;
        self.ports
            .ephemeral
            .put(&link_key(&secret), &bytes, ttl)
            .await?;
        let template = match action {
            Action::PasswordReset => TemplateId::OperatorPasswordReset,
            Action::EmailVerification => TemplateId::OperatorEmailVerification,
        };
        let url = format!(
            "{}/api/v1/actionLink?action={}&id={secret}",
            self.settings.public_url.trim_end_matches('/'),
            action.name()
        );
        let message = Message::new(
            template,
            Language::from_tag(Some(&operator.locale)),
            Channel::Email,
            operator.email.as_str(),
            OPERATOR_BRAND,
        )
        .with("username", operator.email.as_str())
        .with("link", url)
        .with("minutes", ttl.whole_minutes().to_string());
        Ok(LinkDelivery {
            message,
            key: link_key(&secret),
            notifier: self.ports.notifier.clone(),
            ephemeral: self.ports.ephemeral.clone(),
        })
    }

    /// Takes the live link `secret` doing `action` out of the store (exactly once).
    async fn take_link(&self, secret: &str, action: Action) -> Result<LinkRecord, SignInError> {
        let key = link_key(secret.trim());
        let Some(bytes) = self.ports.ephemeral.take(&key).await? else {
            return Err(SignInError::InvalidToken);
        };
        let record: LinkRecord =
            serde_json::from_slice(&bytes).map_err(SignInError::unavailable)?;
        if record.action != action {
            // Another kind of link: it stays as it was.
            self.put_back(secret.trim(), &record).await?;
            return Err(SignInError::InvalidToken);
        }
        Ok(record)
    }

    /// Stores a taken link again for the rest of its life.
    async fn put_back(&self, secret: &str, record: &LinkRecord) -> Result<(), SignInError> {
        let left = record.expires - self.now().unix_timestamp();
        if left <= 0 {
            return Ok(());
        }
        let bytes = serde_json::to_vec(record).map_err(SignInError::unavailable)?;
        self.ports
            .ephemeral
            .put(&link_key(secret.trim()), &bytes, Duration::seconds(left))
            .await?;
        Ok(())
    }
}

/// The message of a link that is stored, not yet sent. Its `Debug` shows no link.
pub struct LinkDelivery {
    message: Message,
    /// The link's record, withdrawn when the message does not go.
    key: String,
    notifier: Arc<dyn Notifier>,
    ephemeral: Arc<dyn EphemeralStore>,
}

impl std::fmt::Debug for LinkDelivery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkDelivery")
            .field("message", &self.message)
            .finish_non_exhaustive()
    }
}

impl LinkDelivery {
    /// Sends the message; when it does not go, the link is withdrawn (nobody has it) and the
    /// answer is `Undeliverable`.
    pub async fn send(self) -> Result<(), SignInError> {
        if let Err(e) = self.notifier.send(&self.message).await {
            let _ = self.ephemeral.delete(&self.key).await;
            return Err(SignInError::Undeliverable(e.into()));
        }
        Ok(())
    }
}
