//! What the login server's refusals mean to the security service's subscriber sign-in: its
//! numbered answers ([`SignInError`]). Every `match` is exhaustive, so a new refusal does not
//! compile until someone decides its answer here.

use crate::LoginError;
use crate::operator::SignInError;
use latchkey_access::AuthError;
use latchkey_credential::CredentialError;
use latchkey_device::DeviceError;
use latchkey_flows::{CodeRefusal, FlowError};
use latchkey_oauth::TokenError;
use latchkey_subscriber::SubscriberError;

/// A refusal of the login server's password or second-factor step.
pub(super) fn from_login(e: LoginError) -> SignInError {
    match e {
        // One answer for an unknown username, a wrong password, and a tenant that does not
        // sign anyone in.
        LoginError::BadCredentials | LoginError::TenantUnavailable => {
            SignInError::InvalidCredentials
        }
        LoginError::Disabled => SignInError::Suspended,
        LoginError::Throttled { retry_after } | LoginError::TooManyRequests { retry_after } => {
            SignInError::Throttled { retry_after }
        }
        LoginError::Code(refusal) => from_refusal(refusal),
        LoginError::MalformedCode | LoginError::NoSecondFactor => SignInError::MfaFailure,
        LoginError::Delivery(e) => SignInError::Undeliverable(e.into()),
        LoginError::Unavailable(e) => SignInError::unavailable(e),
        // The sign-in has no browser, no authorization request, no link and chooses the
        // contact itself: these are faults of ours.
        e @ (LoginError::UnknownClient
        | LoginError::BadRedirectUri
        | LoginError::Expired
        | LoginError::BadLink
        | LoginError::WrongAccount
        | LoginError::OtherCustomer
        | LoginError::NotAContact) => SignInError::unavailable(e),
    }
}

/// A second-factor code refused: a wrong answer (12), a challenge whose code is gone (11), or
/// a code asked again too soon (10).
pub(super) fn from_refusal(refusal: CodeRefusal) -> SignInError {
    match refusal {
        CodeRefusal::OtpMismatch { .. }
        | CodeRefusal::TotpMismatch
        | CodeRefusal::TotpReplayed
        | CodeRefusal::TotpNotEnrolled
        | CodeRefusal::TotpCodeRequired
        | CodeRefusal::TotpNotPending => SignInError::MfaFailure,
        CodeRefusal::OtpBurnt | CodeRefusal::OtpNotPending => SignInError::BadMfaTransaction,
        CodeRefusal::OtpTooSoon { retry_after } => SignInError::Throttled { retry_after },
    }
}

/// A refusal of the Credentials API's password change (a `newPassword` at sign-in).
pub(super) fn from_flow(e: FlowError) -> SignInError {
    match e {
        FlowError::Credential(e) => from_credential(e),
        FlowError::RateLimited { retry_after, .. } => SignInError::Throttled { retry_after },
        FlowError::Code(refusal) => from_refusal(refusal),
        FlowError::MalformedCode => SignInError::MfaFailure,
        FlowError::Delivery(e) => SignInError::Undeliverable(e.into()),
        FlowError::RateLimiter(s) | FlowError::SecondFactorStore(s) => SignInError::Unavailable(s),
        e @ (FlowError::InvalidHint | FlowError::NoContact | FlowError::Cipher(_)) => {
            SignInError::unavailable(e)
        }
    }
}

/// A refusal of the Credentials API about a credential that signed in a moment ago.
pub(super) fn from_credential(e: CredentialError) -> SignInError {
    match e {
        CredentialError::Policy(v) => SignInError::PasswordInvalid(v),
        CredentialError::WrongPassword | CredentialError::NotFound => {
            SignInError::InvalidCredentials
        }
        CredentialError::Disabled => SignInError::Suspended,
        CredentialError::Store(s) => SignInError::Unavailable(s),
        e => match crate::grants::storage_failure(e) {
            Some(s) => SignInError::Unavailable(s),
            // Gone (deleted, its tenant disabled) between two steps of one sign-in.
            None => SignInError::InvalidCredentials,
        },
    }
}

/// A refusal of the subscriber use cases about the subscriber signing in.
pub(super) fn from_subscriber(e: SubscriberError) -> SignInError {
    match e {
        SubscriberError::NotFound => SignInError::InvalidCredentials,
        SubscriberError::Credential(e) => from_credential(e),
        SubscriberError::Store(s) => SignInError::Unavailable(s),
        e @ (SubscriberError::AccessDenied
        | SubscriberError::Invalid(_)
        | SubscriberError::Device(_)) => SignInError::unavailable(e),
    }
}

/// A refusal of the grants: when refreshing, a refresh token that is not live (14); when
/// minting, a fault of ours.
pub(super) fn from_token(e: TokenError, refreshing: bool) -> SignInError {
    match e {
        TokenError::Store(s) => SignInError::Unavailable(s),
        TokenError::InvalidGrant(_) | TokenError::InvalidScope(_) if refreshing => {
            SignInError::CannotRefresh
        }
        e @ (TokenError::InvalidRequest(_)
        | TokenError::InvalidClient(_)
        | TokenError::InvalidGrant(_)
        | TokenError::CodeReplayed { .. }
        | TokenError::UnauthorizedClient(_)
        | TokenError::UnsupportedGrantType
        | TokenError::InvalidScope(_)
        | TokenError::AuthorizationPending
        | TokenError::SlowDown
        | TokenError::AccessDenied
        | TokenError::ExpiredToken) => SignInError::unavailable(e),
    }
}

/// A refusal of the device sessions: only storage can fail the steps that use them.
pub(super) fn from_device(e: DeviceError) -> SignInError {
    match e {
        DeviceError::Store(s) => SignInError::Unavailable(s),
        DeviceError::InvalidToken | DeviceError::Reused | DeviceError::NotFound => {
            SignInError::CannotRefresh
        }
    }
}

/// A bearer token the Credentials API's verification refused: 9 when it expired, 8 otherwise.
pub(super) fn from_auth(e: AuthError) -> SignInError {
    match e {
        AuthError::Expired => SignInError::ExpiredToken,
        AuthError::Unavailable(s) => SignInError::Unavailable(s),
        AuthError::Missing | AuthError::Invalid(_) | AuthError::Revoked => {
            SignInError::InvalidToken
        }
    }
}
