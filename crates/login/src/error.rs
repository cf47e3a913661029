//! Why a login step did not go through. Every conversion from the errors of the crates a login
//! composes is an exhaustive `match`: a new variant there does not compile until someone decides
//! what it means to a customer signing in.

use latchkey_core::{BoxError, StoreError};
use latchkey_credential::CredentialError;
use latchkey_device::DeviceError;
use latchkey_flows::{CodeRefusal, FlowError};
use latchkey_notify::NotifyError;
use latchkey_oauth::TokenError;
use latchkey_tenancy::TenantError;
use time::Duration;

/// Why a login step did not go through.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("the client_id is missing or names no client that signs customers in")]
    UnknownClient,
    #[error("the redirect_uri is missing, or is not exactly one of the client's registered URIs")]
    BadRedirectUri,
    #[error("the tenant does not exist or is disabled")]
    TenantUnavailable,
    #[error("this login expired or is not known: start again")]
    Expired,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("the credential is disabled")]
    Disabled,
    #[error("too many failed attempts: wait before trying again")]
    Throttled { retry_after: Duration },
    #[error("too many requests from this address: wait before trying again")]
    TooManyRequests { retry_after: Duration },
    #[error(transparent)]
    Code(CodeRefusal),
    #[error("the code must be 6 digits")]
    MalformedCode,
    #[error("the credential requires a second factor but has none it can use")]
    NoSecondFactor,
    #[error("the link is not valid, expired, or was already used")]
    BadLink,
    #[error("signed in with another account than the one the request is for")]
    WrongAccount,
    #[error("this browser is signed in, or signing in, as another customer")]
    OtherCustomer,
    #[error("that is not one of the credential's contacts")]
    NotAContact,
    #[error("the message could not be delivered")]
    Delivery(#[source] NotifyError),
    #[error("the login could not be completed")]
    Unavailable(#[source] BoxError),
}

impl LoginError {
    fn unavailable(e: impl Into<BoxError>) -> Self {
        LoginError::Unavailable(e.into())
    }
}

/// A failure with what a page needs to show it: the tenant's name and the login's language
/// preference, when they were known before the step failed.
#[derive(Debug)]
pub struct LoginFailure {
    pub error: LoginError,
    /// The tenant's display name; empty when not known.
    pub tenant: String,
    /// The `ui_locales` of the login the failure happened in, if one was found.
    pub ui_locales: Option<String>,
}

impl From<LoginError> for LoginFailure {
    fn from(error: LoginError) -> Self {
        Self {
            error,
            tenant: String::new(),
            ui_locales: None,
        }
    }
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::unavailable(e)
    }
}

impl From<DeviceError> for LoginError {
    fn from(e: DeviceError) -> Self {
        match e {
            DeviceError::Store(s) => s.into(),
            // A login only starts, resumes and ends sessions: none of these can be the
            // customer's doing.
            DeviceError::NotFound | DeviceError::InvalidToken | DeviceError::Reused => {
                LoginError::unavailable(e)
            }
        }
    }
}

impl From<TokenError> for LoginError {
    fn from(e: TokenError) -> Self {
        match e {
            TokenError::Store(s) => s.into(),
            // Codes and CIBA requests are made by the login itself: a refusal here is a fault.
            TokenError::InvalidRequest(_)
            | TokenError::InvalidClient(_)
            | TokenError::InvalidGrant(_)
            | TokenError::CodeReplayed { .. }
            | TokenError::UnauthorizedClient(_)
            | TokenError::UnsupportedGrantType
            | TokenError::InvalidScope(_)
            | TokenError::AuthorizationPending
            | TokenError::SlowDown
            | TokenError::AccessDenied
            | TokenError::ExpiredToken => LoginError::unavailable(e),
        }
    }
}

impl From<TenantError> for LoginError {
    fn from(e: TenantError) -> Self {
        match e {
            TenantError::NotFound(_) => LoginError::TenantUnavailable,
            TenantError::Store(s) => s.into(),
            TenantError::InvalidName | TenantError::Denied(_) => LoginError::unavailable(e),
        }
    }
}

impl From<CredentialError> for LoginError {
    fn from(e: CredentialError) -> Self {
        match e {
            // The same answer for an unknown username and a wrong password.
            CredentialError::WrongPassword | CredentialError::NotFound => {
                LoginError::BadCredentials
            }
            CredentialError::TokenNotFound => LoginError::BadLink,
            CredentialError::Disabled => LoginError::Disabled,
            CredentialError::Tenant(t) => t.into(),
            CredentialError::Store(s) => s.into(),
            // Not reachable from a login's use of credentials (it validates nothing a customer
            // typed through them): a fault, not an answer.
            CredentialError::Denied(_)
            | CredentialError::InvalidUsername(_)
            | CredentialError::InvalidMsisdn
            | CredentialError::InvalidAttribute(_)
            | CredentialError::Required(_)
            | CredentialError::AlreadyExists
            | CredentialError::Policy(_)
            | CredentialError::InvalidToken(_)
            | CredentialError::InvalidDestination
            | CredentialError::SameOrg
            | CredentialError::DestinationDisabled(_)
            | CredentialError::DestinationNotFound(_)
            | CredentialError::Hashing(_) => LoginError::unavailable(e),
        }
    }
}

impl From<FlowError> for LoginError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Code(refusal) => LoginError::Code(refusal),
            FlowError::MalformedCode => LoginError::MalformedCode,
            FlowError::InvalidHint => LoginError::NotAContact,
            FlowError::NoContact => LoginError::NoSecondFactor,
            FlowError::Delivery(e) => LoginError::Delivery(e),
            FlowError::RateLimited { retry_after, .. } => LoginError::Throttled { retry_after },
            FlowError::Credential(e) => e.into(),
            FlowError::RateLimiter(s) | FlowError::SecondFactorStore(s) => s.into(),
            FlowError::Cipher(e) => LoginError::Unavailable(e),
        }
    }
}
