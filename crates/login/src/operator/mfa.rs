//! The second factor of an operator's sign-in: a challenge (`{uuid, created, question,
//! method}`) whose 6-digit code went by e-mail or SMS, or is the operator's authenticator app's
//! (nothing is sent), answered by `completeMFAChallenge` or sent again by `resendMFACode`.
//!
//! The challenge lives in the `EphemeralStore` for the code's 300 s, shared by every instance,
//! and is taken exactly once, by the right answer. Its code is the login server's kind
//! (`latchkey_otp`: stored hashed, 5 tries then burnt, single use, not resent within 30 s).
//! An authenticator's code is checked by `latchkey_otp::Authenticators` (the one TOTP
//! implementation: ±1 step, each step accepted once), and its challenge is burnt at the fifth
//! wrong answer as a sent code is. Answers are slowed guessing too, per operator and per
//! address, so new challenges do not buy new tries.

use super::password::{refused, second_factor_key, usable};
use super::sessions::PASSWORD;
use super::{MfaChallenge, OPERATOR_BRAND, OperatorSignIn, SignInError, WebToken};
use crate::challenge_store::{issue_and_send, open_challenge, save_challenge};
use crate::guessing::{self, PER_ADDRESS, PER_SECOND_FACTOR, Watched};
use latchkey_core::OrgId;
use latchkey_notify::{Channel, Language, Message, TemplateId};
use latchkey_operator::{MfaMethod, Operator};
use latchkey_otp::{
    CODE_TTL, MAX_ATTEMPTS, OtpCode, Redeem, TotpError, TotpHolder, code_hash, generate_code,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the store keeps of a challenge.
#[derive(Debug, Serialize, Deserialize)]
struct ChallengeRecord {
    operator: Uuid,
    /// `email` or `sms`.
    method: String,
    /// Unix seconds.
    created: i64,
}

fn challenge_key(uuid: Uuid) -> String {
    format!("opmfa:{uuid}")
}

fn code_key(uuid: Uuid) -> String {
    format!("opmfa-code:{uuid}")
}

/// The wrong answers to an authenticator challenge (a sent code counts its own).
fn tries_key(uuid: Uuid) -> String {
    format!("opmfa-tries:{uuid}")
}

/// What a challenge's code is hashed with: the code is bound to its challenge.
fn hash_of(uuid: Uuid, code: &OtpCode) -> Result<latchkey_core::SecretHash, SignInError> {
    // No tenant is involved; the org stands for the security service's operators.
    let org = OrgId::parse("security-service").map_err(SignInError::unavailable)?;
    Ok(code_hash(&org, &uuid.to_string(), code))
}

impl OperatorSignIn {
    /// Starts a challenge for `operator` (its password was right) and sends its code.
    pub(super) async fn challenge(
        &self,
        operator: &Operator,
        method: MfaMethod,
    ) -> Result<MfaChallenge, SignInError> {
        let uuid = self.ports.directory.random.uuid();
        let created = self.now().unix_timestamp();
        let record = ChallengeRecord {
            operator: operator.id,
            method: method.as_str().to_owned(),
            created,
        };
        save_challenge(self.ports.ephemeral.as_ref(), &challenge_key(uuid), &record).await?;
        if let Err(e) = self.send_code(operator, method, uuid).await {
            let _ = self.ports.ephemeral.delete(&challenge_key(uuid)).await;
            return Err(e);
        }
        Ok(MfaChallenge {
            uuid,
            created,
            method,
        })
    }

    /// Completes the challenge `uuid` with the code `answer`, from `address`: the session's
    /// tokens. `MfaFailure` for a wrong code (the fifth burns it), `BadMfaTransaction` for a
    /// challenge unknown, expired, completed or burnt, `Throttled` while a wait of slowed
    /// guessing runs (unchecked), `Suspended` for an operator suspended meanwhile.
    pub async fn complete_mfa(
        &self,
        uuid: &str,
        answer: &str,
        address: &str,
    ) -> Result<WebToken, SignInError> {
        let (uuid, _, operator, method) = self.open(uuid).await?;
        let code = OtpCode::parse(answer).map_err(|_| SignInError::MfaFailure)?;
        let hash = hash_of(uuid, &code)?;
        let operator_key = second_factor_key(&operator);
        let address_key = guessing::address_key(address);
        let watched = [
            Watched {
                key: &operator_key,
                policy: PER_SECOND_FACTOR,
            },
            Watched {
                key: &address_key,
                policy: PER_ADDRESS,
            },
        ];
        let check = async {
            if method == MfaMethod::Authenticator {
                return self.authenticator_answer(&operator, uuid, &code).await;
            }
            match self
                .ports
                .codes
                .redeem(&code_key(uuid), &hash, MAX_ATTEMPTS)
                .await?
            {
                Redeem::Accepted => Ok(()),
                Redeem::Mismatch { .. } => Err(SignInError::MfaFailure),
                Redeem::Burnt => {
                    self.ports.ephemeral.delete(&challenge_key(uuid)).await?;
                    Err(SignInError::MfaFailure)
                }
                Redeem::Missing => Err(SignInError::BadMfaTransaction),
            }
        };
        self.ports
            .guessing
            .attempt(&watched, check, |e| matches!(e, SignInError::MfaFailure))
            .await
            .map_err(refused)?;
        // The code is single use, so one answer gets here; the challenge goes with it.
        if self
            .ports
            .ephemeral
            .take(&challenge_key(uuid))
            .await?
            .is_none()
        {
            return Err(SignInError::BadMfaTransaction);
        }
        // Read when the answer came: suspended while the code travelled?
        usable(&operator)?;
        let second = match method {
            MfaMethod::Sms => "sms",
            MfaMethod::Email | MfaMethod::Authenticator => "otp",
        };
        self.start_session(&operator, &[PASSWORD, second, "mfa"])
            .await
    }

    /// Checks `code` against the operator's authenticator app (its active secret; a step
    /// accepted once). A wrong code is `MfaFailure`, and the fifth burns the challenge.
    async fn authenticator_answer(
        &self,
        operator: &Operator,
        uuid: Uuid,
        code: &OtpCode,
    ) -> Result<(), SignInError> {
        let authenticators = self
            .authenticators
            .as_ref()
            .ok_or(SignInError::MfaFailure)?;
        match authenticators
            .check_login(&TotpHolder::Operator(operator.id), code.expose())
            .await
        {
            Ok(()) => Ok(()),
            Err(TotpError::Cipher(e)) => Err(SignInError::unavailable(e)),
            Err(TotpError::Store(e) | TotpError::Steps(e)) => Err(SignInError::Unavailable(e)),
            // Sign-in answers are slowed by the sign-in's own guessing rules.
            Err(TotpError::Throttled { retry_after }) => {
                Err(SignInError::Throttled { retry_after })
            }
            Err(
                TotpError::Mismatch
                | TotpError::Replayed
                | TotpError::Malformed
                | TotpError::NotEnrolled
                | TotpError::NotPending
                | TotpError::OutOfSequence
                | TotpError::InvalidIndex,
            ) => {
                let tries = self
                    .ports
                    .ephemeral
                    .increment(&tries_key(uuid), CODE_TTL)
                    .await?;
                if tries >= u64::from(MAX_ATTEMPTS) {
                    self.ports.ephemeral.delete(&challenge_key(uuid)).await?;
                }
                Err(SignInError::MfaFailure)
            }
        }
    }

    /// Sends a new code for the challenge `uuid` (the earlier one no longer works); for an
    /// authenticator nothing is sent (its app shows the code). `Throttled` within 30 s of the
    /// last code; `BadMfaTransaction` for a challenge that is not pending.
    pub async fn resend_mfa(&self, uuid: &str) -> Result<MfaChallenge, SignInError> {
        let (uuid, record, operator, method) = self.open(uuid).await?;
        self.send_code(&operator, method, uuid).await?;
        // The challenge lives as long as its newest code.
        save_challenge(self.ports.ephemeral.as_ref(), &challenge_key(uuid), &record).await?;
        Ok(MfaChallenge {
            uuid,
            created: record.created,
            method,
        })
    }

    /// The pending challenge `uuid`, its operator and method; `BadMfaTransaction` otherwise.
    async fn open(
        &self,
        uuid: &str,
    ) -> Result<(Uuid, ChallengeRecord, Operator, MfaMethod), SignInError> {
        let (uuid, record): (Uuid, ChallengeRecord) =
            open_challenge(self.ports.ephemeral.as_ref(), uuid, challenge_key).await?;
        let method = MfaMethod::parse(&record.method).ok_or(SignInError::BadMfaTransaction)?;
        let operator = self
            .ports
            .operators
            .find(record.operator)
            .await?
            .ok_or(SignInError::BadMfaTransaction)?;
        Ok((uuid, record, operator, method))
    }

    /// Issues a code for the challenge `uuid` and sends it to the operator's e-mail or mobile
    /// (the primary one, else the first); nothing for the authenticator. A code whose message
    /// was not delivered is withdrawn.
    async fn send_code(
        &self,
        operator: &Operator,
        method: MfaMethod,
        uuid: Uuid,
    ) -> Result<(), SignInError> {
        let (channel, recipient) = match method {
            MfaMethod::Email => (Channel::Email, operator.email.as_str().to_owned()),
            MfaMethod::Sms => {
                let mobile = operator
                    .mobiles
                    .iter()
                    .find(|m| m.primary)
                    .or_else(|| operator.mobiles.first())
                    .ok_or_else(|| {
                        SignInError::Undeliverable("the operator has no mobile".into())
                    })?;
                (Channel::Sms, mobile.number.as_str().to_owned())
            }
            // The app shows the code: nothing to send.
            MfaMethod::Authenticator => return Ok(()),
        };
        let code = generate_code(self.ports.directory.random.as_ref());
        let hash = hash_of(uuid, &code)?;
        let key = code_key(uuid);
        let message = Message::new(
            TemplateId::OperatorMfaCode,
            Language::from_tag(Some(&operator.locale)),
            channel,
            recipient,
            OPERATOR_BRAND,
        );
        issue_and_send(
            self.ports.codes.as_ref(),
            self.ports.notifier.as_ref(),
            (&key, &hash, &code),
            message,
        )
        .await
    }
}
