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
    #[error("a customer's token acts on its own credential only, not on the whole tenant")]
    CustomerToken,
    #[error("a customer's token acts on its own credential only")]
    OtherCredential,
    /// A customer's token whose sign-in is not recent enough (or lacks the second factor the
    /// credential requires) for what it asks: the customer must sign in again (HTTP 401,
    /// RFC 9470).
    #[error("this needs a recent sign-in (and the second factor the credential requires)")]
    ReauthenticationRequired,
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
    #[error("unknown grant '{0}'")]
    UnknownGrant(String),
    #[error("a client needs at least one grant")]
    NoGrants,
    #[error(
        "'{0}' is not an acceptable redirect URI (absolute, no fragment; https, http on a loopback host, or a private-use scheme)"
    )]
    InvalidRedirectUri(String),
    #[error("unknown ID token algorithm '{0}' (RS256 or ES256)")]
    UnknownIdTokenAlg(String),
    #[error("a client that signs customers in belongs to exactly one org")]
    LoginNeedsOneOrg,
    #[error("the authorization_code and implicit grants need at least one redirect URI")]
    NoRedirectUri,
    #[error(
        "a public client has no secret: it cannot use client_credentials, CIBA or the implicit grant"
    )]
    PublicGrant,
    #[error("the refresh_token grant goes with authorization_code or CIBA")]
    RefreshAlone,
    #[error("a client with that id already exists")]
    AlreadyExists,
    #[error("the bootstrap client's secret must be at least 16 characters")]
    WeakSecret,
    /// Deleting the caller's own client would leave it without a token that works.
    #[error("a client cannot delete itself")]
    SelfDelete,
    /// The bootstrap client is the server's own (configured at start): never deleted through
    /// the API.
    #[error("the bootstrap client cannot be deleted")]
    Bootstrap,
    #[error(transparent)]
    Denied(#[from] AccessDenied),
    #[error("client storage failed")]
    Store(#[source] StoreError),
}
