//! The errors of the flows.

use crate::CodeRefusal;
use latchkey_core::StoreError;
use latchkey_credential::CredentialError;
use latchkey_notify::NotifyError;
use time::Duration;

/// What can go wrong in a flow.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The `hint` is not one of the credential's contacts.
    #[error("the hint is not one of the credential's contacts (its e-mail username or MSISDN)")]
    InvalidHint,
    /// The credential has no e-mail address or MSISDN to send the message to.
    #[error("the credential has no e-mail address or phone number to send the message to")]
    NoContact,
    /// Too many requests for this credential or tenant; try again after `retry_after`.
    #[error("too many requests for this {scope}; try again later")]
    RateLimited {
        scope: LimitScope,
        retry_after: Duration,
    },
    /// The message was not delivered; what it carried (a token) has been withdrawn.
    #[error("the message could not be delivered")]
    Delivery(#[source] NotifyError),
    /// The rate limiter's storage failed.
    #[error("rate limit storage failed")]
    RateLimiter(#[source] StoreError),
    /// A one-time or TOTP code is not 6 digits.
    #[error("the code must be 6 digits")]
    MalformedCode,
    /// A code was refused, or none could be sent now.
    #[error(transparent)]
    Code(#[from] CodeRefusal),
    /// The store of codes and TOTP steps (Redis) failed.
    #[error("second-factor storage failed")]
    SecondFactorStore(#[source] StoreError),
    /// Encrypting or decrypting a TOTP secret failed (no data key, or a wrong one).
    #[error("TOTP secret encryption failed")]
    Cipher(#[source] latchkey_core::BoxError),
}

/// Which limit refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitScope {
    Credential,
    Tenant,
}

impl std::fmt::Display for LimitScope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LimitScope::Credential => "credential",
            LimitScope::Tenant => "tenant",
        })
    }
}
