//! Devices and refresh tokens as stored: secrets only as hashes.

use latchkey_core::{SecretHash, Timestamp};
use std::fmt;
use uuid::Uuid;

/// A device session of one credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    pub id: Uuid,
    pub credential: Uuid,
    pub user_agent: String,
    /// e.g. "Chrome on macOS".
    pub alias: String,
    /// The hash of the session cookie's secret.
    pub secret_hash: SecretHash,
    pub created_at: Timestamp,
    /// The session ends then, and its refresh tokens with it.
    pub expires_at: Timestamp,
}

/// A refresh token of a device session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: Uuid,
    pub device: Uuid,
    /// The device's credential (the tokens' subject).
    pub credential: Uuid,
    pub client_id: String,
    pub secret_hash: SecretHash,
    /// Space-delimited scopes granted.
    pub scope: String,
    /// When the customer authenticated (Unix seconds).
    pub auth_time: i64,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// Set when the token was exchanged (rotated); a used token presented again ends the
    /// session.
    pub used_at: Option<Timestamp>,
}

/// A secret in clear (cookie value or refresh token): shown to its holder once, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(pub String);

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret([REDACTED])")
    }
}
