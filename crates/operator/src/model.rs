//! The operator record and the values with rules in it.

use latchkey_core::{OrgId, Timestamp};
use latchkey_credential::{Msisdn, PasswordHash};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// What an operator may do, as the security service names it. `partner` is not in the
/// definition's enum but the real server and its consoles have it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Root,
    Admin,
    Subscriber,
    Csr,
    System,
    Installer,
    Noc,
    Accounting,
    Partner,
}

/// A role name the security service does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role")]
pub struct RoleError;

impl Role {
    /// Every role, in the order of the definition (then `partner`).
    pub const ALL: [Role; 9] = [
        Role::Root,
        Role::Admin,
        Role::Subscriber,
        Role::Csr,
        Role::System,
        Role::Installer,
        Role::Noc,
        Role::Accounting,
        Role::Partner,
    ];

    /// The wire name (`root`, `admin`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Root => "root",
            Role::Admin => "admin",
            Role::Subscriber => "subscriber",
            Role::Csr => "csr",
            Role::System => "system",
            Role::Installer => "installer",
            Role::Noc => "noc",
            Role::Accounting => "accounting",
            Role::Partner => "partner",
        }
    }

    /// Parses a wire name, case-insensitively (the consoles send `root` and `ROOT` alike).
    pub fn parse(raw: &str) -> Result<Self, RoleError> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(raw.trim()))
            .ok_or(RoleError)
    }
}

impl FromStr for Role {
    type Err = RoleError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An operator's e-mail address: their sign-in name. Stored and compared in lower case, so
/// that uniqueness is case-insensitive.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct OperatorEmail(String);

/// Not an e-mail address an operator can have.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid e-mail address")]
pub struct EmailError;

impl OperatorEmail {
    /// The most characters of an address (RFC 5321 §4.5.3.1.3 path, less its brackets).
    pub const MAX_CHARS: usize = 254;

    /// Parses an address (RFC 5322 `addr-spec`, no display name), trimmed and lower-cased.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > Self::MAX_CHARS {
            return Err(EmailError);
        }
        let options = email_address::Options::default().without_display_text();
        email_address::EmailAddress::parse_with_options(trimmed, options)
            .map_err(|_| EmailError)?;
        Ok(Self(trimmed.to_lowercase()))
    }

    /// Rebuilds an address read back from storage (already parsed once).
    pub fn from_stored(stored: String) -> Self {
        Self(stored)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for OperatorEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OperatorEmail({})", self.0)
    }
}

impl fmt::Display for OperatorEmail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One note on an operator: appended, never edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub created: Timestamp,
    /// Who wrote it (the e-mail of the operator who did).
    pub created_by: String,
    pub note: String,
}

/// How an operator proves the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MfaMethod {
    Sms,
    Email,
    Authenticator,
}

impl MfaMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            MfaMethod::Sms => "sms",
            MfaMethod::Email => "email",
            MfaMethod::Authenticator => "authenticator",
        }
    }

    /// Parses a wire name, case-insensitively.
    pub fn parse(raw: &str) -> Option<Self> {
        [MfaMethod::Sms, MfaMethod::Email, MfaMethod::Authenticator]
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(raw.trim()))
    }
}

/// A mobile number of an operator (where SMS codes go: the primary one, else the first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mobile {
    pub number: Msisdn,
    pub verified: bool,
    pub primary: bool,
}

/// An operator. The password's hash and the hashes of the earlier ones never leave the domain:
/// the wire shape (`UserInfo`) is built without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: Uuid,
    pub email: OperatorEmail,
    pub name: String,
    pub description: String,
    pub role: Role,
    /// The org it administers; `None` for one that administers none (a `root` administers all
    /// whatever this says).
    pub owner: Option<OrgId>,
    pub locale: String,
    pub location: String,
    /// Oldest first.
    pub notes: Vec<Note>,
    pub suspended: bool,
    pub blacklisted: bool,
    /// The e-mail address was proved (a verification link was followed).
    pub validated: bool,
    pub validation_date: Option<Timestamp>,
    /// A verification link was sent and not yet followed: sign-in is refused until it is
    /// (`USERNAME_PENDING_VERIFICATION`).
    pub waiting_for_email_check: bool,
    /// The next sign-in must set a new password.
    pub change_password: bool,
    /// The second factor asked at sign-in; `None`: none.
    pub mfa: Option<MfaMethod>,
    pub mobiles: Vec<Mobile>,
    pub last_login: Option<Timestamp>,
    pub password: PasswordHash,
    /// The hashes of the last passwords, newest first, the current one included: at most
    /// [`Operator::PASSWORD_HISTORY`]. A new password matching any of them is refused.
    pub password_history: Vec<PasswordHash>,
    pub last_password_change: Timestamp,
    pub created: Timestamp,
    /// The e-mail of the operator who created it (`configuration` or `cli` for the first root).
    pub created_by: String,
    pub modified: Timestamp,
    pub modified_by: String,
}

impl Operator {
    /// How many passwords (the current one included) a new password may not repeat.
    pub const PASSWORD_HISTORY: usize = 5;

    /// Sets `hash` as the password: it heads the history, which keeps the last
    /// [`Operator::PASSWORD_HISTORY`].
    pub fn set_password(&mut self, hash: PasswordHash, now: Timestamp) {
        self.password = hash.clone();
        self.password_history.insert(0, hash);
        self.password_history.truncate(Self::PASSWORD_HISTORY);
        self.last_password_change = now;
    }
}

/// Which operators a listing wants (`GET /users`), before paging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperatorQuery {
    /// Only the operators of this org (`None`: every org).
    pub owner: Option<OrgId>,
    /// Only these ids (`select`).
    pub ids: Option<Vec<Uuid>>,
    /// Only operators whose name contains this, case-insensitively (`nameSearch`).
    pub name_contains: Option<String>,
    /// Only operators whose e-mail contains this, case-insensitively (`emailSearch`).
    pub email_contains: Option<String>,
    /// Newest first (`newest`); otherwise oldest first. Ties by id.
    pub newest_first: bool,
    /// Skip this many (`offset`).
    pub offset: u64,
    /// At most this many (`limit`); `None`: all.
    pub limit: Option<u64>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_case_insensitively_and_print_back() {
        for role in Role::ALL {
            assert_eq!(Role::parse(&role.as_str().to_uppercase()), Ok(role));
        }
        assert_eq!(Role::parse("superuser"), Err(RoleError));
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        let email = OperatorEmail::parse(" Ana@Example.COM ").unwrap();
        assert_eq!(email.as_str(), "ana@example.com");
        assert!(OperatorEmail::parse("not an address").is_err());
        assert!(OperatorEmail::parse("Ana <ana@example.com>").is_err());
        assert!(OperatorEmail::parse("").is_err());
    }
}
