//! The errors of the access-token domain.

use latchkey_core::StoreError;

/// Why a JWT does not verify (the codec's report).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("not a well-formed JWT")]
    Malformed,
    #[error("signed with an unknown key")]
    UnknownKey,
    #[error("bad signature or algorithm")]
    BadSignature,
    #[error("wrong issuer or audience")]
    WrongAudience,
    #[error("missing or invalid claims")]
    InvalidClaims,
    /// Not an access token: its header's `typ` is not `at+jwt` (RFC 9068 §4).
    #[error("not an access token (typ is not at+jwt)")]
    WrongType,
}

/// Why a bearer token is refused (HTTP 401), or could not be checked.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("no bearer token")]
    Missing,
    #[error("the bearer token does not verify: {0}")]
    Invalid(#[from] VerifyError),
    #[error("the bearer token has expired")]
    Expired,
    /// Revoked (RFC 7009), or its client was deleted or re-created.
    #[error("the bearer token was revoked, or its client no longer exists")]
    Revoked,
    #[error("token verification could not reach storage")]
    Unavailable(#[source] StoreError),
}

/// Errors of the token endpoint's grants (answered as OAuth error JSON).
#[derive(Debug, thiserror::Error)]
pub enum GrantError {
    #[error("client authentication failed")]
    InvalidClient,
    #[error("the requested scope is invalid, unknown, or not allowed for this client")]
    InvalidScope,
    #[error("the client may not use the client_credentials grant")]
    UnauthorizedClient,
    #[error("signing the token failed")]
    Signing(#[source] latchkey_core::BoxError),
    #[error("client lookup failed")]
    Unavailable(#[source] StoreError),
}

/// Errors of signing-key management.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("no signing key with that id")]
    NotFound,
    #[error("the active signing key cannot be removed: rotate first")]
    Active,
    #[error("key generation or loading failed")]
    Crypto(#[source] latchkey_core::BoxError),
    #[error(transparent)]
    Denied(#[from] latchkey_tenancy::AccessDenied),
    #[error("key storage failed")]
    Store(#[source] StoreError),
}

/// Why a revocation request (RFC 7009) is refused.
#[derive(Debug, thiserror::Error)]
pub enum RevokeError {
    /// The token is live but was issued to another client (RFC 7009 §2.1).
    #[error("the token was not issued to this client")]
    NotIssuedToCaller,
    #[error("revocation could not reach storage")]
    Unavailable(#[source] StoreError),
}
