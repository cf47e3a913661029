//! Tenants: one per brand.

use latchkey_core::{OrgId, Timestamp};

/// A tenant's display name (shown to customers: login pages, messages, TOTP issuer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantName(String);

impl TenantName {
    /// The most characters of a name, as sent.
    pub const MAX_CHARS: usize = 100;

    /// Checks and trims the name: at most 100 characters, no control characters, not blank.
    pub fn parse(raw: &str) -> Result<Self, crate::TenantError> {
        // As sent: at most MAX_CHARS characters, none a control character (the white space
        // trimming would take off included), as the OpenAPI document's schema says.
        let name = raw.trim();
        if !name.is_empty()
            && raw.chars().count() <= Self::MAX_CHARS
            && !raw.chars().any(char::is_control)
        {
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
