//! The credential record.

use crate::{CredentialError, PasswordHash, Username};
use latchkey_core::Timestamp;
use std::fmt;
use uuid::Uuid;

/// An E.164 phone number: `+`, a non-zero digit, then 1 to 14 digits.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Msisdn(String);

impl Msisdn {
    /// The fewest digits after the `+`.
    pub const MIN_DIGITS: usize = 2;
    /// The most digits after the `+` (E.164).
    pub const MAX_DIGITS: usize = 15;

    pub fn parse(raw: &str) -> Result<Self, CredentialError> {
        let raw = raw.trim();
        let digits = raw.strip_prefix('+').unwrap_or_default();
        let ok = (Self::MIN_DIGITS..=Self::MAX_DIGITS).contains(&digits.len())
            && digits.bytes().all(|b| b.is_ascii_digit())
            && !digits.starts_with('0');
        if ok {
            Ok(Self(raw.to_owned()))
        } else {
            Err(CredentialError::InvalidMsisdn)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Msisdn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Msisdn({})", self.0)
    }
}

/// Optional attributes given when a credential is created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CredentialAttrs {
    /// The CRM the customer belongs to (e.g. `qvantel`); empty when not given.
    pub crm: String,
    pub customer_id: Option<String>,
    pub msisdn: Option<Msisdn>,
}

impl CredentialAttrs {
    /// The most characters of a CRM name.
    pub const CRM_MAX_CHARS: usize = 64;
    /// The most characters of a customer id.
    pub const CUSTOMER_ID_MAX_CHARS: usize = 128;

    /// Validates free-text attributes: short, printable.
    pub fn parse(
        crm: Option<&str>,
        customer_id: Option<&str>,
        msisdn: Option<&str>,
    ) -> Result<Self, CredentialError> {
        // As sent: at most `max` characters, none a control character (the white space
        // trimming would take off included), as the OpenAPI document's schema says.
        let text = |value: &str, max: usize, field: &'static str| {
            if value.chars().count() <= max && !value.chars().any(char::is_control) {
                Ok(value.trim().to_owned())
            } else {
                Err(CredentialError::InvalidAttribute(field))
            }
        };
        Ok(Self {
            crm: crm
                .map(|c| text(c, Self::CRM_MAX_CHARS, "crm"))
                .transpose()?
                .unwrap_or_default(),
            customer_id: customer_id
                .map(|c| text(c, Self::CUSTOMER_ID_MAX_CHARS, "customer_id"))
                .transpose()?
                .filter(|c| !c.is_empty()),
            msisdn: msisdn.map(Msisdn::parse).transpose()?,
        })
    }
}

/// A customer's credential in one tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub id: Uuid,
    pub username: Username,
    pub enabled: bool,
    pub require2fa: bool,
    pub attrs: CredentialAttrs,
    /// `None` until a password is set, and again after a delete.
    pub password_hash: Option<PasswordHash>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub last_login_at: Option<Timestamp>,
    /// When the e-mail address that is the username was proven (a link or code sent to it was
    /// used); `None` until then, and for a username that is not an e-mail address.
    pub email_verified_at: Option<Timestamp>,
    /// Set by a (soft) delete; a deleted credential is kept but no longer live.
    pub deleted_at: Option<Timestamp>,
}

impl Credential {
    /// A new credential: disabled and without a password until a set-password token is used.
    pub fn new(id: Uuid, username: Username, attrs: CredentialAttrs, now: Timestamp) -> Self {
        Self {
            id,
            username,
            enabled: false,
            require2fa: false,
            attrs,
            password_hash: None,
            created_at: now,
            updated_at: now,
            last_login_at: None,
            email_verified_at: None,
            deleted_at: None,
        }
    }

    /// The credential after a soft delete: disabled, password erased, `deleted_at` set.
    pub fn deleted(mut self, now: Timestamp) -> Self {
        self.enabled = false;
        self.password_hash = None;
        self.deleted_at = Some(now);
        self.updated_at = now;
        self
    }

    pub fn is_live(&self) -> bool {
        self.deleted_at.is_none()
    }
}
