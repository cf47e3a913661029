//! A subscriber's second factor (`/submfa`, `/subtotp`). The profile's MFA method and the
//! credential's `require2fa` are one setting, changed together here: the login server, the
//! Credentials API and the security service all read the same answer.
//!
//! A channel becomes the second factor only once the subscriber proved it receives there: a
//! 6-digit code sent to it ([`SubscriberService::start_mfa_check`]) comes back
//! ([`SubscriberService::complete_mfa_check`]). The code is the Credentials API's kind
//! (`latchkey_otp`: stored hashed, 300 s, 5 tries then burnt, single use, not resent within
//! 30 s), bound to the subscriber, the channel and the recipient: a code sent to one number
//! does not prove another.

use crate::{Subscriber, SubscriberError, SubscriberService};
use latchkey_core::{BoxError, OrgId, SecureRandom, StoreError};
use latchkey_credential::Msisdn;
use latchkey_notify::{Channel, Language, Message, Notifier, TemplateId};
use latchkey_operator::{MfaMethod, Mobile};
use latchkey_otp::{
    CODE_TTL, Issue, MAX_ATTEMPTS, OtpCode, OtpStore, RESEND_AFTER, Redeem, code_hash,
    generate_code,
};
use latchkey_tenancy::{OrgAccess, Principal, Scope, Tenant};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// Where a code proving a channel goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MfaChannel {
    /// The subscriber's username (its e-mail address).
    Email,
    /// That mobile number, which becomes the subscriber's (primary, verified) mobile.
    Sms(Msisdn),
}

impl MfaChannel {
    fn method(&self) -> MfaMethod {
        match self {
            MfaChannel::Email => MfaMethod::Email,
            MfaChannel::Sms(_) => MfaMethod::Sms,
        }
    }
}

/// What proving a channel needs: the code store (shared by every instance) and the notifier.
#[derive(Debug, Clone)]
pub struct MfaCodes {
    pub codes: Arc<dyn OtpStore>,
    pub notifier: Arc<dyn Notifier>,
    pub random: Arc<dyn SecureRandom>,
}

/// Why a second-factor change refused.
#[derive(Debug, thiserror::Error)]
pub enum MfaError {
    /// A code went to this channel less than 30 s ago.
    #[error("a code was sent less than 30 s ago")]
    TooSoon { retry_after: Duration },
    /// Not the code that was sent.
    #[error("wrong code")]
    WrongCode,
    /// No code is pending for this channel (never sent, expired, used or burnt).
    #[error("no code is pending for this channel")]
    NoCode,
    /// The SMTP server or SMS gateway did not take the message; the code is withdrawn.
    #[error("the code could not be delivered")]
    Undeliverable(#[source] BoxError),
    /// The code store (Redis when configured) failed.
    #[error("the code store failed")]
    Codes(#[source] StoreError),
    #[error(transparent)]
    Subscriber(#[from] SubscriberError),
}

impl SubscriberService {
    /// The subscriber's tenant, enabled: its name brands the messages and names the issuer of
    /// its authenticator.
    pub async fn tenant(&self, org: &OrgId) -> Result<Tenant, SubscriberError> {
        self.ports
            .credentials
            .login_tenant(org)
            .await
            .map_err(SubscriberError::from_credential)
    }

    /// Sends a code to `channel` (the subscriber's e-mail, or `Sms(number)`) to prove it.
    /// `TooSoon` within 30 s of the last code to it; `Undeliverable`.
    pub async fn start_mfa_check(
        &self,
        codes: &MfaCodes,
        org: &OrgId,
        id: Uuid,
        channel: &MfaChannel,
    ) -> Result<(), MfaError> {
        let subscriber = self.get(org, id).await?;
        let tenant = self.tenant(org).await?;
        let (message_channel, recipient) = match channel {
            MfaChannel::Email => (
                Channel::Email,
                subscriber.credential.username.as_str().to_owned(),
            ),
            MfaChannel::Sms(number) => (Channel::Sms, number.as_str().to_owned()),
        };
        let key = code_key(org, id, channel, &recipient);
        let code = generate_code(codes.random.as_ref());
        let hash = code_hash(org, &key, &code);
        match codes
            .codes
            .issue(&key, &hash, CODE_TTL, RESEND_AFTER)
            .await
            .map_err(MfaError::Codes)?
        {
            Issue::Issued => {}
            Issue::TooSoon { retry_after } => return Err(MfaError::TooSoon { retry_after }),
        }
        let locale = Some(subscriber.profile.locale.as_str()).filter(|l| !l.is_empty());
        let message = Message::new(
            TemplateId::OtpCode,
            Language::from_tag(locale),
            message_channel,
            recipient,
            tenant.name.as_str(),
        )
        .with("code", code.expose())
        .with("minutes", CODE_TTL.whole_minutes().to_string());
        if let Err(e) = codes.notifier.send(&message).await {
            let _ = codes.codes.withdraw(&key).await;
            return Err(MfaError::Undeliverable(e.into()));
        }
        Ok(())
    }

    /// Checks `code` against the one sent to `channel`; when right, the channel becomes the
    /// subscriber's second factor ([`SubscriberService::set_mfa`]). `WrongCode` (the fifth
    /// burns it), `NoCode`.
    pub async fn complete_mfa_check(
        &self,
        codes: &MfaCodes,
        org: &OrgId,
        id: Uuid,
        channel: &MfaChannel,
        code: &str,
    ) -> Result<Subscriber, MfaError> {
        let subscriber = self.get(org, id).await?;
        let code = OtpCode::parse(code).map_err(|_| MfaError::WrongCode)?;
        let recipient = match channel {
            MfaChannel::Email => subscriber.credential.username.as_str().to_owned(),
            MfaChannel::Sms(number) => number.as_str().to_owned(),
        };
        let key = code_key(org, id, channel, &recipient);
        let hash = code_hash(org, &key, &code);
        match codes
            .codes
            .redeem(&key, &hash, MAX_ATTEMPTS)
            .await
            .map_err(MfaError::Codes)?
        {
            Redeem::Accepted => {}
            Redeem::Mismatch { .. } | Redeem::Burnt => return Err(MfaError::WrongCode),
            Redeem::Missing => return Err(MfaError::NoCode),
        }
        let mobile = match channel {
            MfaChannel::Email => None,
            MfaChannel::Sms(number) => Some(number.clone()),
        };
        Ok(self
            .set_mfa(org, id, Some(channel.method()), mobile)
            .await?)
    }

    /// Sets the subscriber's second factor (`None`: off) and the credential's `require2fa`
    /// with it, through the Credentials API (endpoint 4) acting for the subscriber alone. A
    /// `mobile` becomes its only mobile, primary and verified (the number just proved). SMS
    /// without a mobile is `Invalid("mobiles")`. Checks nobody: the caller proved the channel
    /// (or the authenticator), or turns the second factor off for the subscriber itself.
    pub async fn set_mfa(
        &self,
        org: &OrgId,
        id: Uuid,
        method: Option<MfaMethod>,
        mobile: Option<Msisdn>,
    ) -> Result<Subscriber, SubscriberError> {
        let subscriber = self.get(org, id).await?;
        let mut profile = subscriber.profile;
        if let Some(number) = mobile {
            profile.mobiles = vec![Mobile {
                number,
                verified: true,
                primary: true,
            }];
        }
        if method == Some(MfaMethod::Sms) && profile.mobiles.is_empty() {
            return Err(SubscriberError::Invalid("mobiles"));
        }
        profile.mfa = method;
        let credential = &subscriber.credential;
        let require2fa = method.is_some();
        if credential.require2fa != require2fa {
            self.ports
                .credentials
                .patch(
                    &itself(org, id),
                    org,
                    credential.username.as_str(),
                    credential.enabled,
                    Some(require2fa),
                )
                .await
                .map_err(SubscriberError::from_credential)?;
        }
        self.save_profile(org, profile).await?;
        self.get(org, id).await
    }
}

/// The code store's key of a channel check: the subscriber, the channel and its recipient.
fn code_key(org: &OrgId, id: Uuid, channel: &MfaChannel, recipient: &str) -> String {
    let method = channel.method().as_str();
    format!("submfa:{org}:{id}:{method}:{recipient}")
}

/// The Credentials API caller of a subscriber's own change: the security service, with the
/// write scope on the subscriber's org alone, used for that one credential. (A customer's own
/// token may not change `require2fa` through endpoint 4; the security service does it after the
/// subscriber proved the channel.)
fn itself(org: &OrgId, id: Uuid) -> Principal {
    Principal {
        subject: format!("security-service:subscriber:{id}"),
        scopes: std::iter::once(Scope::CredentialsWrite).collect(),
        orgs: OrgAccess::Only(std::iter::once(org.clone()).collect()),
        credential: None,
        sign_in: None,
    }
}
