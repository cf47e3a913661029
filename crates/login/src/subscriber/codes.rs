//! The codes of a subscriber's challenge: which method answers it, where its code goes, and
//! the check of an answer under slowed guessing.

use super::SubscriberSignIn;
use super::errors::{from_credential, from_flow};
use crate::challenge_store::issue_and_send;
use crate::guessing::{self, PER_ADDRESS, PER_SECOND_FACTOR, Refused, Watched};
use crate::operator::SignInError;
use latchkey_core::{OrgId, SecretHash};
use latchkey_credential::Credential;
use latchkey_flows::contacts;
use latchkey_notify::{Channel, Language, Message, TemplateId};
use latchkey_operator::MfaMethod;
use latchkey_otp::{MAX_ATTEMPTS, OtpCode, Redeem, code_hash, generate_code};
use latchkey_subscriber::Subscriber;
use uuid::Uuid;

/// The store key of a challenge's code.
pub(super) fn code_key(uuid: Uuid) -> String {
    format!("submfa-code:{uuid}")
}

/// What a challenge's code is hashed with: bound to its tenant and its challenge.
fn hash_of(org: &OrgId, uuid: Uuid, code: &OtpCode) -> SecretHash {
    code_hash(org, &uuid.to_string(), code)
}

/// Where a code by `method` goes: the e-mail username; for SMS the profile's primary mobile
/// (the number `/submfa` proved), else its first, else the credential's MSISDN.
pub(super) fn recipient(
    credential: &Credential,
    subscriber: &Subscriber,
    method: MfaMethod,
) -> Option<(Channel, String)> {
    let contact = |channel: Channel| {
        contacts(credential)
            .into_iter()
            .find(|c| c.channel == channel)
            .map(|c| c.address)
    };
    match method {
        MfaMethod::Email => contact(Channel::Email).map(|a| (Channel::Email, a)),
        MfaMethod::Sms => {
            let mobiles = &subscriber.profile.mobiles;
            mobiles
                .iter()
                .find(|m| m.primary)
                .or_else(|| mobiles.first())
                .map(|m| m.number.as_str().to_owned())
                .or_else(|| contact(Channel::Sms))
                .map(|a| (Channel::Sms, a))
        }
        MfaMethod::Authenticator => None,
    }
}

impl SubscriberSignIn {
    /// The second factor `credential` answers with: the subscriber's choice, else its active
    /// authenticator, else its first contact. `MfaFailure` when it has none.
    pub(super) async fn method_of(
        &self,
        org: &OrgId,
        credential: &Credential,
        subscriber: &Subscriber,
    ) -> Result<MfaMethod, SignInError> {
        if let Some(method) = subscriber.profile.mfa {
            return Ok(method);
        }
        let enrolled = self
            .ports
            .login
            .second_factors
            .totp_enrolled(org, credential)
            .await
            .map_err(from_flow)?;
        if enrolled {
            return Ok(MfaMethod::Authenticator);
        }
        match contacts(credential).first().map(|c| c.channel) {
            Some(Channel::Email) => Ok(MfaMethod::Email),
            Some(Channel::Sms) => Ok(MfaMethod::Sms),
            None => Err(SignInError::MfaFailure),
        }
    }

    /// Issues a code for the challenge `uuid` and sends it by `method`, in the subscriber's
    /// language, under the tenant's name (the authenticator has none to send). `Throttled`
    /// within 30 s of the last code; a code that was not delivered is withdrawn
    /// (`Undeliverable`), as is one with nowhere to go.
    pub(super) async fn send_code(
        &self,
        org: &OrgId,
        credential: &Credential,
        subscriber: &Subscriber,
        method: MfaMethod,
        uuid: Uuid,
    ) -> Result<(), SignInError> {
        if method == MfaMethod::Authenticator {
            return Ok(());
        }
        let (channel, address) = recipient(credential, subscriber, method).ok_or_else(|| {
            SignInError::Undeliverable(
                format!("the subscriber has nowhere to receive {}", method.as_str()).into(),
            )
        })?;
        let tenant = self
            .ports
            .login
            .credentials
            .login_tenant(org)
            .await
            .map_err(from_credential)?;
        let code = generate_code(self.ports.random.as_ref());
        let (key, hash) = (code_key(uuid), hash_of(org, uuid, &code));
        let locale = Some(subscriber.profile.locale.as_str()).filter(|l| !l.is_empty());
        let message = Message::new(
            TemplateId::OtpCode,
            Language::from_tag(locale),
            channel,
            address,
            tenant.name.as_str(),
        );
        issue_and_send(
            self.ports.codes.as_ref(),
            self.ports.notifier.as_ref(),
            (&key, &hash, &code),
            message,
        )
        .await
    }

    /// Checks `answer` against the code of challenge `uuid`, from `address`, under slowed
    /// guessing (the credential's second-factor key, and the address). `MfaFailure` for a wrong
    /// code (the fifth burns it: then `BadMfaTransaction`), `BadMfaTransaction` for no code
    /// pending, `Throttled` while a wait runs (unchecked).
    pub(super) async fn check_code(
        &self,
        org: &OrgId,
        credential: &Credential,
        uuid: Uuid,
        answer: &str,
        address: &str,
    ) -> Result<(), SignInError> {
        let code = OtpCode::parse(answer.trim()).map_err(|_| SignInError::MfaFailure)?;
        let hash = hash_of(org, uuid, &code);
        let factor_key = guessing::second_factor_key(org, credential.id);
        let address_key = guessing::address_key(address);
        let watched = [
            Watched {
                key: &factor_key,
                policy: PER_SECOND_FACTOR,
            },
            Watched {
                key: &address_key,
                policy: PER_ADDRESS,
            },
        ];
        let check = async {
            match self
                .ports
                .codes
                .redeem(&code_key(uuid), &hash, MAX_ATTEMPTS)
                .await?
            {
                Redeem::Accepted => Ok(()),
                Redeem::Mismatch { .. } | Redeem::Burnt => Err(SignInError::MfaFailure),
                Redeem::Missing => Err(SignInError::BadMfaTransaction),
            }
        };
        match self
            .ports
            .login
            .guessing
            .attempt(&watched, check, |e| matches!(e, SignInError::MfaFailure))
            .await
        {
            Ok(()) => Ok(()),
            Err(Refused::Throttled { retry_after }) => Err(SignInError::Throttled { retry_after }),
            Err(Refused::Wrong(e) | Refused::Failed(e)) => Err(e),
            Err(Refused::Unavailable(s)) => Err(SignInError::Unavailable(s)),
        }
    }
}
