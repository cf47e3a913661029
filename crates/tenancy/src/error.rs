//! The errors of the tenancy domain.

use crate::Scope;
use latchkey_core::{OrgId, StoreError};

/// The caller's token does not allow the operation (HTTP 403).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccessDenied {
    #[error("the token lacks the scope '{0}'")]
    MissingScope(Scope),
    #[error("the token does not cover the org '{0}'")]
    Org(OrgId),
    #[error("a client cannot grant or remove scopes or orgs it does not hold itself")]
    Escalation,
    #[error("the operation affects every tenant: the token must cover all orgs")]
    AllOrgsRequired,
}

/// Errors about tenants.
#[derive(Debug, thiserror::Error)]
pub enum TenantError {
    #[error("a tenant name is 1 to 100 characters without control characters")]
    InvalidName,
    #[error("no tenant '{0}'")]
    NotFound(OrgId),
    #[error(transparent)]
    Denied(#[from] AccessDenied),
    #[error("tenant storage failed")]
    Store(#[source] StoreError),
}

/// Errors about API clients.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("a client id is 1 to 64 characters of letters, digits, '.', '_' or '-'")]
    InvalidId,
    #[error("a client name is 1 to 100 characters without control characters")]
    InvalidName,
    #[error("a client needs at least one scope")]
    NoScopes,
    #[error("a client needs at least one org, or [\"*\"]")]
    NoOrgs,
    #[error("no tenant '{0}'")]
    UnknownOrg(OrgId),
    #[error("no client with that id")]
    NotFound,
    #[error("a client with that id already exists")]
    AlreadyExists,
    #[error(transparent)]
    Denied(#[from] AccessDenied),
    #[error("client storage failed")]
    Store(#[source] StoreError),
}
