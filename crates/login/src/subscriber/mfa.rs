//! The second factor of a subscriber's sign-in: a challenge (`{uuid, created, question,
//! method}`) answered by `completeMFAChallenge` (or its code sent again by `resendMFACode`).
//!
//! The method is the subscriber's choice (`/submfa`: `email` to its username, `sms` to its
//! primary mobile, or `authenticator` once `/subtotp` set one up). A credential that requires a
//! second factor without a chosen method (set through the Credentials API) answers with its
//! active authenticator, else its first contact, as the login server offers them.
//!
//! A code sent by e-mail or SMS is bound to its challenge (`latchkey_otp`: stored hashed, 300 s,
//! 5 tries then burnt, single use, not resent within 30 s). The authenticator is the
//! credential's TOTP, checked as the login server checks it (active secret only, each step
//! once). Every answer is slowed guessing on the credential's second-factor key (the login
//! server's: a new challenge buys no new tries) and on the client's address.
//!
//! The challenge lives in the `EphemeralStore` as long as its code, shared by every instance,
//! and is taken exactly once, by the right answer.

use super::errors::{from_credential, from_login};
use super::password::{PASSWORD, usable};
use super::{Caller, SubscriberSignIn};
use crate::Factor;
use crate::challenge_store::{open_challenge, save_challenge};
use crate::operator::{MfaChallenge, SignInError, WebToken};
use latchkey_core::OrgId;
use latchkey_credential::Credential;
use latchkey_operator::MfaMethod;
use latchkey_subscriber::Subscriber;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What the store keeps of a challenge.
#[derive(Debug, Serialize, Deserialize)]
struct ChallengeRecord {
    org: String,
    credential: Uuid,
    /// `email`, `sms` or `authenticator`.
    method: String,
    /// When the challenge started (Unix seconds).
    created: i64,
    /// When the password was given (the session's `auth_time`).
    auth_time: i64,
}

fn challenge_key(uuid: Uuid) -> String {
    format!("submfa:{uuid}")
}

/// A pending challenge, read back.
struct Open {
    uuid: Uuid,
    record: ChallengeRecord,
    org: OrgId,
    method: MfaMethod,
}

impl SubscriberSignIn {
    /// Starts a challenge for `credential` (its password was right at `auth_time`) and sends
    /// its code (none for the authenticator).
    pub(super) async fn challenge(
        &self,
        org: &OrgId,
        credential: &Credential,
        subscriber: &Subscriber,
        auth_time: i64,
    ) -> Result<MfaChallenge, SignInError> {
        let method = self.method_of(org, credential, subscriber).await?;
        let uuid = self.ports.random.uuid();
        let record = ChallengeRecord {
            org: org.to_string(),
            credential: credential.id,
            method: method.as_str().to_owned(),
            created: self.now().unix_timestamp(),
            auth_time,
        };
        self.save(uuid, &record).await?;
        if let Err(e) = self
            .send_code(org, credential, subscriber, method, uuid)
            .await
        {
            let _ = self.ports.ephemeral.delete(&challenge_key(uuid)).await;
            return Err(e);
        }
        Ok(MfaChallenge {
            uuid,
            created: record.created,
            method,
        })
    }

    /// Completes the challenge `uuid` with the code `answer`: the tokens of a new device
    /// session. `MfaFailure` for a wrong code (the fifth burns a sent code),
    /// `BadMfaTransaction` for a challenge unknown, expired, completed or burnt, `Throttled`
    /// while a wait of slowed guessing runs, `Suspended` for a subscriber suspended meanwhile.
    pub async fn complete_mfa(
        &self,
        uuid: &str,
        answer: &str,
        caller: Caller<'_>,
    ) -> Result<WebToken, SignInError> {
        let open = self.open(uuid).await?;
        let credential = self.credential(&open).await?;
        let checked = match open.method {
            MfaMethod::Authenticator => self
                .ports
                .login
                .check_second_factor(
                    &open.org,
                    credential.id,
                    credential.username.as_str(),
                    Factor::Totp,
                    answer.trim(),
                )
                .await
                .map_err(from_login),
            MfaMethod::Email | MfaMethod::Sms => {
                self.check_code(&open.org, &credential, open.uuid, answer, caller.address)
                    .await
            }
        };
        if let Err(e) = checked {
            if matches!(e, SignInError::BadMfaTransaction) {
                // Its code is burnt or gone: so is the challenge.
                self.ports
                    .ephemeral
                    .delete(&challenge_key(open.uuid))
                    .await?;
            }
            return Err(e);
        }
        // The code is single use, so one answer gets here; the challenge goes with it.
        if self
            .ports
            .ephemeral
            .take(&challenge_key(open.uuid))
            .await?
            .is_none()
        {
            return Err(SignInError::BadMfaTransaction);
        }
        // Read when the answer came: suspended while the code travelled?
        let subscriber = self.subscriber(&open.org, credential.id).await?;
        usable(&subscriber)?;
        let mut credential = subscriber.credential;
        if open.method == MfaMethod::Email {
            // The code went to the username: the subscriber proved the address.
            credential = self
                .ports
                .login
                .credentials
                .prove_email(&open.org, credential)
                .await
                .map_err(from_credential)?;
        }
        let second = match open.method {
            MfaMethod::Sms => "sms",
            MfaMethod::Email | MfaMethod::Authenticator => "otp",
        };
        self.start_session(
            &open.org,
            &credential,
            open.record.auth_time,
            &[PASSWORD, second, "mfa"],
            caller,
        )
        .await
    }

    /// Sends a new code for the challenge `uuid` (the earlier one no longer works); the
    /// authenticator has none to send. `Throttled` within 30 s of the last code;
    /// `BadMfaTransaction` for a challenge that is not pending.
    pub async fn resend_mfa(&self, uuid: &str) -> Result<MfaChallenge, SignInError> {
        let open = self.open(uuid).await?;
        let credential = self.credential(&open).await?;
        if open.method != MfaMethod::Authenticator {
            let subscriber = self.subscriber(&open.org, credential.id).await?;
            self.send_code(&open.org, &credential, &subscriber, open.method, open.uuid)
                .await?;
            // The challenge lives as long as its newest code.
            self.save(open.uuid, &open.record).await?;
        }
        Ok(MfaChallenge {
            uuid: open.uuid,
            created: open.record.created,
            method: open.method,
        })
    }

    async fn save(&self, uuid: Uuid, record: &ChallengeRecord) -> Result<(), SignInError> {
        save_challenge(self.ports.ephemeral.as_ref(), &challenge_key(uuid), record).await
    }

    /// The pending challenge `uuid`; `BadMfaTransaction` otherwise.
    async fn open(&self, uuid: &str) -> Result<Open, SignInError> {
        let (uuid, record): (Uuid, ChallengeRecord) =
            open_challenge(self.ports.ephemeral.as_ref(), uuid, challenge_key).await?;
        let method = MfaMethod::parse(&record.method).ok_or(SignInError::BadMfaTransaction)?;
        let org = OrgId::parse(&record.org).map_err(|_| SignInError::BadMfaTransaction)?;
        Ok(Open {
            uuid,
            record,
            org,
            method,
        })
    }

    /// The live credential of a challenge; `BadMfaTransaction` when it is gone.
    async fn credential(&self, open: &Open) -> Result<Credential, SignInError> {
        match self
            .ports
            .login
            .credentials
            .by_id(&open.org, open.record.credential)
            .await
        {
            Ok(credential) => Ok(credential),
            Err(e) => Err(match from_credential(e) {
                SignInError::InvalidCredentials => SignInError::BadMfaTransaction,
                other => other,
            }),
        }
    }
}
