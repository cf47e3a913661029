//! API keys: a secret an operator creates that then acts as that operator (`X-API-KEY`). Shown
//! once at creation; only its hash is stored.

use latchkey_core::{SecretHash, Timestamp};
use uuid::Uuid;

/// What a key may do on one service (the definition's `ApiKeyAccessRight`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApiKeyAccess {
    Read,
    Modify,
    Create,
    Delete,
    NoAccess,
}

impl ApiKeyAccess {
    pub fn as_str(self) -> &'static str {
        match self {
            ApiKeyAccess::Read => "read",
            ApiKeyAccess::Modify => "modify",
            ApiKeyAccess::Create => "create",
            ApiKeyAccess::Delete => "delete",
            ApiKeyAccess::NoAccess => "noaccess",
        }
    }

    /// Parses a wire name, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        [
            ApiKeyAccess::Read,
            ApiKeyAccess::Modify,
            ApiKeyAccess::Create,
            ApiKeyAccess::Delete,
            ApiKeyAccess::NoAccess,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// One right of a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessRight {
    pub service: String,
    pub access: ApiKeyAccess,
}

/// A stored API key: the hash of its secret, never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub id: Uuid,
    /// The operator it acts as.
    pub operator: Uuid,
    /// Unique among the operator's keys.
    pub name: String,
    pub description: String,
    pub hash: SecretHash,
    pub created: Timestamp,
    pub expires: Timestamp,
    pub last_use: Option<Timestamp>,
    pub rights: Vec<AccessRight>,
}
