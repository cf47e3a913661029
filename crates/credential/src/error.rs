//! The errors of the credential domain.

use crate::{PolicyViolation, UsernameError};
use latchkey_core::{BoxError, OrgId, StoreError};
use latchkey_tenancy::{AccessDenied, TenantError};

/// What can go wrong in a credential use case.
#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(transparent)]
    Denied(#[from] AccessDenied),
    #[error(transparent)]
    Tenant(#[from] TenantError),
    #[error(transparent)]
    InvalidUsername(#[from] UsernameError),
    #[error("the msisdn is not a valid E.164 phone number ('+' then up to 15 digits)")]
    InvalidMsisdn,
    #[error("the field '{0}' is too long or contains control characters")]
    InvalidAttribute(&'static str),
    #[error("the field '{0}' is required")]
    Required(&'static str),
    #[error("no credential with that username")]
    NotFound,
    #[error("a credential with that username already exists")]
    AlreadyExists,
    #[error("the credential is disabled")]
    Disabled,
    /// The password given as the current one is not (or there is none yet).
    #[error("the current password is not correct")]
    WrongPassword,
    #[error(transparent)]
    Policy(#[from] PolicyViolation),
    /// A security token presented to set a password is not acceptable.
    #[error("the security token is not valid for this credential")]
    InvalidToken(#[source] SecurityTokenError),
    /// A security token looked up or revoked is unknown, used, expired or malformed.
    #[error("no such security token")]
    TokenNotFound,
    #[error("destinationOrg is not a valid org id")]
    InvalidDestination,
    #[error("the destination org is the credential's own org")]
    SameOrg,
    #[error("the destination org '{0}' is disabled")]
    DestinationDisabled(OrgId),
    #[error("the destination org '{0}' does not exist")]
    DestinationNotFound(OrgId),
    #[error("password hashing failed")]
    Hashing(#[source] BoxError),
    #[error("credential storage failed")]
    Store(#[source] StoreError),
}

impl From<SecurityTokenError> for CredentialError {
    fn from(e: SecurityTokenError) -> Self {
        match e {
            SecurityTokenError::Store(s) => CredentialError::Store(s),
            e @ (SecurityTokenError::Malformed
            | SecurityTokenError::Invalid
            | SecurityTokenError::Expired) => CredentialError::InvalidToken(e),
        }
    }
}

/// Errors about security tokens.
#[derive(Debug, thiserror::Error)]
pub enum SecurityTokenError {
    /// Not of the shape `<uuid>@<org>@<secret>`.
    #[error("the token is malformed")]
    Malformed,
    /// Unknown, already used, revoked, of another org or purpose, or for another subject.
    #[error("the token is not valid")]
    Invalid,
    #[error("the token has expired")]
    Expired,
    #[error("token storage failed")]
    Store(#[source] StoreError),
}
