//! The password step of an operator's sign-in (`POST /oauth2 {userId, password, newPassword?}`).

use super::sessions::PASSWORD;
use super::{OperatorSignIn, SignInError, SignedIn};
use crate::guessing::{self, PER_ACCOUNT, PER_ADDRESS, Refused, Watched};
use latchkey_credential::Password;
use latchkey_operator::{MfaMethod, Operator, OperatorEmail};

/// The slowed-guessing key of an operator's e-mail: lower case, trimmed, so case and spaces do
/// not make another key (the e-mail is compared case-insensitively).
pub(super) fn account_key(user_id: &str) -> String {
    let email = OperatorEmail::parse(user_id)
        .map_or_else(|_| user_id.trim().to_lowercase(), |e| e.as_str().to_owned());
    format!("oppwd:{email}")
}

/// The slowed-guessing key of an operator's second factor.
pub(super) fn second_factor_key(operator: &Operator) -> String {
    format!("op2fa:{}", operator.id)
}

impl OperatorSignIn {
    /// Signs an operator in with its e-mail (`user_id`, case-insensitive) and password, from
    /// `address` (the client's address): the password is checked under slowed guessing (per
    /// e-mail, per address: `Throttled` while a wait runs, unchecked), then, only once it is
    /// right, the operator's state: `Suspended`, `PendingVerification`. A `new_password` is set
    /// (`PasswordInvalid`, `PasswordAlreadyUsed`) and the sign-in goes on; without one, a forced
    /// change answers `PasswordChangeRequired`. An operator with a second factor gets a
    /// [`super::MfaChallenge`] (a code sent by e-mail or SMS, or one of its authenticator app), any other the tokens of a new
    /// session. An unknown e-mail and a wrong password are one answer, `InvalidCredentials`,
    /// in the same time.
    pub async fn sign_in(
        &self,
        user_id: &str,
        password: &Password,
        new_password: Option<&Password>,
        address: &str,
    ) -> Result<SignedIn, SignInError> {
        let account = account_key(user_id);
        let address_key = guessing::address_key(address);
        let watched = [
            Watched {
                key: &account,
                policy: PER_ACCOUNT,
            },
            Watched {
                key: &address_key,
                policy: PER_ADDRESS,
            },
        ];
        let check = async {
            match self.ports.operators.check_password(user_id, password).await {
                Ok(Some(operator)) => Ok(operator),
                Ok(None) => Err(SignInError::InvalidCredentials),
                Err(e) => Err(e.into()),
            }
        };
        let operator = self
            .ports
            .guessing
            .attempt(&watched, check, |e| {
                matches!(e, SignInError::InvalidCredentials)
            })
            .await
            .map_err(refused)?;
        let operator = self.change_password(operator, new_password).await?;
        match operator.mfa {
            None => Ok(SignedIn::Tokens(
                self.start_session(&operator, &[PASSWORD]).await?,
            )),
            Some(method @ (MfaMethod::Email | MfaMethod::Sms)) => Ok(SignedIn::Challenge(
                self.challenge(&operator, method).await?,
            )),
            // Without the authenticators wired, an operator set to the app cannot answer, and
            // is told so rather than let in on a password alone.
            Some(MfaMethod::Authenticator) if self.authenticators.is_none() => {
                Err(SignInError::MfaFailure)
            }
            Some(MfaMethod::Authenticator) => Ok(SignedIn::Challenge(
                self.challenge(&operator, MfaMethod::Authenticator).await?,
            )),
        }
    }

    /// What an operator whose password is right may do next: its state, then the password
    /// change (asked or forced).
    async fn change_password(
        &self,
        operator: latchkey_operator::Operator,
        new_password: Option<&Password>,
    ) -> Result<latchkey_operator::Operator, SignInError> {
        usable(&operator)?;
        match new_password {
            Some(new) => Ok(self.ports.operators.set_password(operator.id, new).await?),
            None if operator.change_password => Err(SignInError::PasswordChangeRequired),
            None => Ok(operator),
        }
    }
}

/// Whether the operator may sign in at all: not suspended, not blacklisted, its e-mail
/// address proved when a verification is pending.
pub(super) fn usable(operator: &Operator) -> Result<(), SignInError> {
    if operator.suspended || operator.blacklisted {
        return Err(SignInError::Suspended);
    }
    if operator.waiting_for_email_check {
        return Err(SignInError::PendingVerification);
    }
    Ok(())
}

/// A refusal of slowed guessing as the sign-in answers it.
pub(super) fn refused(refusal: Refused<SignInError>) -> SignInError {
    match refusal {
        Refused::Throttled { retry_after } => SignInError::Throttled { retry_after },
        Refused::Wrong(e) | Refused::Failed(e) => e,
        Refused::Unavailable(s) => SignInError::Unavailable(s),
    }
}
