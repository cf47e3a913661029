//! What the subscriber use cases answer when they do not do what was asked.

use latchkey_core::StoreError;
use latchkey_credential::CredentialError;
use latchkey_device::DeviceError;

/// Why a subscriber use case refused, or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum SubscriberError {
    /// The operator may not do this to the subscribers of that org (its security profile's
    /// policy on `subscribers`, or its reach).
    #[error("access denied")]
    AccessDenied,
    /// No live credential with that id or username in the org.
    #[error("no such subscriber")]
    NotFound,
    /// A field the caller sent is unusable; the text names it (`email`, `userRole`, `mfa`,
    /// `mobiles`, ...).
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// The Credentials API refused or failed (the tenant unknown or disabled, the username
    /// taken, the password against the policy, storage down, ...).
    #[error(transparent)]
    Credential(#[from] CredentialError),
    /// The device sessions could not be ended.
    #[error("device storage failed")]
    Device(#[source] DeviceError),
    /// A store of the security service (profiles, avatars, preferences) failed.
    #[error("subscriber storage failed")]
    Store(#[from] StoreError),
}

impl From<DeviceError> for SubscriberError {
    fn from(e: DeviceError) -> Self {
        match e {
            DeviceError::Store(s) => SubscriberError::Store(s),
            e @ (DeviceError::InvalidToken | DeviceError::Reused | DeviceError::NotFound) => {
                SubscriberError::Device(e)
            }
        }
    }
}

impl SubscriberError {
    /// `NotFound` for a credential the Credentials API did not find; the error as it is
    /// otherwise.
    pub(crate) fn from_credential(e: CredentialError) -> Self {
        match e {
            CredentialError::NotFound => SubscriberError::NotFound,
            e => SubscriberError::Credential(e),
        }
    }
}
