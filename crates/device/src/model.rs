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
    /// When the customer authenticated for this session (the first factor): its `auth_time`.
    /// A session started by a second factor over an older one keeps the older one's.
    pub auth_time: Timestamp,
    /// How (RFC 8176): what actually happened in this session (`pwd`, `email`, `otp`, `sms`,
    /// `mfa`), never the credential's current settings. Empty when unknown.
    pub amr: Vec<String>,
}

impl Device {
    /// Whether the session's sign-in included a second factor.
    pub fn has_second_factor(&self) -> bool {
        self.amr.iter().any(|m| m == "mfa")
    }
}

/// The refresh token of a device session for one client: one record whose secret is replaced
/// on every rotation, so the token's id (`<id>@<org>@<secret>`) stays the same and only the
/// secret changes. A secret it no longer has, presented with its id, is a rotated token
/// presented again: the session ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    pub id: Uuid,
    pub device: Uuid,
    /// The device's credential (the tokens' subject).
    pub credential: Uuid,
    pub client_id: String,
    /// The hash of the current secret (the only one that rotates the token).
    pub secret_hash: SecretHash,
    /// Space-delimited scopes granted.
    pub scope: String,
    /// When the customer authenticated (Unix seconds).
    pub auth_time: i64,
    /// When it was issued (the first secret).
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    /// When its secret was last replaced; `None` before the first rotation.
    pub rotated_at: Option<Timestamp>,
}

/// A secret in clear (cookie value or refresh token): shown to its holder once, never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionSecret(pub String);

impl fmt::Debug for SessionSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionSecret([REDACTED])")
    }
}
