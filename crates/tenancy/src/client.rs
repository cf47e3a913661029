//! API clients: the service accounts that obtain service tokens.

use crate::{OrgAccess, ScopeSet};
use latchkey_core::{SecretHash, SecretString, Timestamp};
use std::fmt;

/// A client id: 1 to 64 characters of `[A-Za-z0-9._-]` (never `:`, which HTTP Basic reserves).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, crate::ClientError> {
        let ok = (1..=64).contains(&raw.len())
            && raw
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(crate::ClientError::InvalidId)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ClientId({})", self.0)
    }
}

/// A client's human-readable name: 1 to 100 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientName(String);

impl ClientName {
    pub fn parse(raw: &str) -> Result<Self, crate::ClientError> {
        let name = raw.trim();
        let len = name.chars().count();
        if (1..=100).contains(&len) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(crate::ClientError::InvalidName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A client secret in clear: shown once, at creation, then only its hash is kept.
pub type ClientSecret = SecretString;

/// A registered API client. Only the hash of its secret is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiClient {
    pub id: ClientId,
    pub name: ClientName,
    pub secret_hash: SecretHash,
    pub scopes: ScopeSet,
    pub orgs: OrgAccess,
    pub created_at: Timestamp,
}

/// What a caller asks for when registering a client.
#[derive(Debug, Clone)]
pub struct NewClient {
    pub name: ClientName,
    pub scopes: ScopeSet,
    pub orgs: OrgAccess,
}
