//! An operator's sign-in session: what `/oauth2` started, the refresh token that continues it
//! (rotating: each use replaces it) and the access token it issued last.

use latchkey_core::{SecretHash, Timestamp};
use uuid::Uuid;

/// One sign-in of one operator. Signing out deletes it; its access token's `jti` is then revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    /// The access tokens' `sid`.
    pub id: Uuid,
    pub operator: Uuid,
    /// The hash of the live refresh token.
    pub refresh: SecretHash,
    /// The `jti` of the access token issued last, and when it expires: the token that dies
    /// with the session.
    pub access_jti: Uuid,
    pub access_expires: Timestamp,
    /// When the operator signed in (`auth_time`) and how (`pwd`, then `mfa` and the method).
    pub created: Timestamp,
    pub amr: Vec<String>,
    /// When the refresh token was last issued (`lastRefresh`).
    pub last_refresh: Timestamp,
    /// The refresh token is refused from then on.
    pub expires: Timestamp,
}
