//! Tenants: one per brand.

use latchkey_core::{OrgId, Timestamp};

/// A tenant's display name (shown to customers: login pages, messages, TOTP issuer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    /// The most characters of a name (after trimming).
    pub const MAX_CHARS: usize = 100;

    /// Trims and checks the name: 1 to 100 characters, no control characters.
    pub fn parse(raw: &str) -> Result<Self, crate::TenantError> {
        let name = raw.trim();
        let len = name.chars().count();
        if (1..=Self::MAX_CHARS).contains(&len) && !name.chars().any(char::is_control) {
            Ok(Self(name.to_owned()))
        } else {
            Err(crate::TenantError::InvalidName)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A tenant. A disabled tenant keeps its data but is hidden: its endpoints answer 404 and
/// discover skips it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: OrgId,
    pub name: TenantName,
    pub enabled: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
