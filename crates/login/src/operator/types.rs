//! What the operators' sign-in answers.

use latchkey_access::AccessClaims;
use latchkey_core::{BoxError, SecretString, StoreError};
use latchkey_credential::PolicyViolation;
use latchkey_operator::{MfaMethod, Operator, OperatorError};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// A signed-in session's tokens (`WebTokenResult`). The tokens never print.
#[derive(Debug, Clone)]
pub struct WebToken {
    pub access_token: SecretString,
    pub refresh_token: SecretString,
    /// Seconds the access token lives.
    pub expires_in: i64,
    /// Seconds an unused refresh token stays usable.
    pub idle_timeout: i64,
    /// When the session started (Unix seconds).
    pub created: i64,
    /// The operator's e-mail.
    pub username: String,
    pub user_must_change_password: bool,
    /// When these tokens were issued (Unix seconds).
    pub last_refresh: i64,
}

/// A second factor to answer before the tokens are issued (`{uuid, created, question,
/// method}`): a code was sent by e-mail or SMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MfaChallenge {
    pub uuid: Uuid,
    /// When the challenge started (Unix seconds).
    pub created: i64,
    pub method: MfaMethod,
}

/// What a right password leads to.
#[derive(Debug, Clone)]
pub enum SignedIn {
    Tokens(WebToken),
    Challenge(MfaChallenge),
}

/// A live access token: whose it is and what it says.
#[derive(Debug, Clone)]
pub struct ValidToken {
    pub operator: Arc<Operator>,
    pub claims: Arc<AccessClaims>,
    /// Seconds it still lives.
    pub expires_in: i64,
}

/// Why a sign-in step refused, with the security service's error code where it has one.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// 1: the password must be changed: sign in again with a new one.
    #[error("the password must be changed")]
    PasswordChangeRequired,
    /// 2: unknown e-mail or wrong password (one answer for both).
    #[error("invalid credentials")]
    InvalidCredentials,
    /// 3: the new password is one of the last five.
    #[error("the password was used recently")]
    PasswordAlreadyUsed,
    /// 4: the e-mail address was not verified yet.
    #[error("the e-mail address is waiting for verification")]
    PendingVerification,
    /// 5: the new password is against the policy.
    #[error(transparent)]
    PasswordInvalid(PolicyViolation),
    /// 10: too many failures (or a code resent too soon): wait.
    #[error("too many attempts: wait before trying again")]
    Throttled { retry_after: Duration },
    /// 11: no such challenge (unknown, expired, completed, or its code was burnt).
    #[error("unknown or expired MFA challenge")]
    BadMfaTransaction,
    /// 12: the answer to the challenge is wrong (or the method cannot be answered here).
    #[error("wrong MFA answer")]
    MfaFailure,
    /// 8: the token (or link) is not live: revoked, badly signed, not an operator's, of an
    /// operator gone or suspended, used.
    #[error("invalid token")]
    InvalidToken,
    /// 9: a genuine token past its expiry.
    #[error("expired token")]
    ExpiredToken,
    /// 14: the refresh token is unknown, used, idle too long, or its session is over.
    #[error("the token cannot be refreshed")]
    CannotRefresh,
    /// 15: the operator is suspended or blacklisted.
    #[error("the account is suspended")]
    Suspended,
    /// The code or link could not be delivered (the notifier failed).
    #[error("the message could not be delivered")]
    Undeliverable(#[source] BoxError),
    /// 13: a storage (or the signer, or the hasher) failed.
    #[error("the security service is unavailable")]
    Unavailable(#[source] StoreError),
}

impl SignInError {
    pub(crate) fn unavailable(e: impl Into<BoxError>) -> Self {
        SignInError::Unavailable(StoreError::Unavailable(e.into()))
    }
}

impl From<StoreError> for SignInError {
    fn from(e: StoreError) -> Self {
        SignInError::Unavailable(e)
    }
}

impl From<OperatorError> for SignInError {
    fn from(e: OperatorError) -> Self {
        match e {
            OperatorError::PasswordPolicy(v) => SignInError::PasswordInvalid(v),
            OperatorError::PasswordReused => SignInError::PasswordAlreadyUsed,
            OperatorError::Unavailable(s) => SignInError::Unavailable(s),
            // The operator went away between two steps of one sign-in.
            OperatorError::NotFound => SignInError::InvalidCredentials,
            // Sign-in asks the directory only to find, check and set passwords, mark an
            // address proved and end sessions: none of these answers is a caller's doing.
            OperatorError::AccessDenied
            | OperatorError::EmailTaken
            | OperatorError::LastRoot
            | OperatorError::InvalidRole
            | OperatorError::Invalid(_) => SignInError::unavailable(e),
        }
    }
}
