//! What the operator use cases answer when they do not do what was asked.

use latchkey_core::{BoxError, StoreError};
use latchkey_credential::PolicyViolation;

/// Why an operator use case refused, or could not finish.
#[derive(Debug, thiserror::Error)]
pub enum OperatorError {
    /// The caller may not do this to that operator (see [`crate::permissions`]).
    #[error("access denied")]
    AccessDenied,
    /// No operator (or API key) with that id or e-mail.
    #[error("no such operator")]
    NotFound,
    /// Another operator has that e-mail address.
    #[error("an operator with that e-mail address exists")]
    EmailTaken,
    /// It would leave no live root (a `root` that is not suspended): the last one can be
    /// neither deleted, demoted nor suspended.
    #[error("the last root cannot be deleted, demoted or suspended")]
    LastRoot,
    /// A role name that is not a role. The service never answers it itself (a [`crate::Role`]
    /// is always a role); the HTTP face reports an unparsable `userRole` with it.
    #[error("invalid role")]
    InvalidRole,
    /// The new password is against the password policy.
    #[error(transparent)]
    PasswordPolicy(#[from] PolicyViolation),
    /// The new password is one of the operator's last [`crate::Operator::PASSWORD_HISTORY`].
    #[error("the password was used recently")]
    PasswordReused,
    /// A field the caller sent is unusable; the text names it.
    #[error("invalid {0}")]
    Invalid(&'static str),
    /// A storage or the password hasher failed; the cause is kept for the logs.
    #[error("storage unavailable")]
    Unavailable(#[source] StoreError),
}

impl From<StoreError> for OperatorError {
    fn from(error: StoreError) -> Self {
        OperatorError::Unavailable(error)
    }
}

impl OperatorError {
    /// The password hasher failed (a corrupt stored hash, or the hasher itself).
    pub(crate) fn hashing(error: BoxError) -> Self {
        OperatorError::Unavailable(StoreError::Unavailable(error))
    }

    /// A port answered outside its contract: a fault of the adapter, reported as unavailable.
    pub(crate) fn off_contract(what: &'static str) -> Self {
        OperatorError::Unavailable(StoreError::Unavailable(what.into()))
    }
}
