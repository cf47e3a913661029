//! Usernames: an e-mail address, an E.164 MSISDN, or a plain identifier.

use email_address::EmailAddress;
use std::fmt;
use std::str::FromStr;

/// What kind of username it is; it decides normalisation and where messages can go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UsernameKind {
    /// Lower-cased, so uniqueness is case-insensitive.
    Email,
    /// `+` and 2 to 15 digits (E.164).
    Msisdn,
    /// 1 to 64 of `[A-Za-z0-9._-]`, kept as given.
    Plain,
}

/// Why a username is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("the username is empty")]
    Empty,
    #[error("the username is not a valid e-mail address")]
    InvalidEmail,
    #[error("the username is not a valid E.164 phone number ('+' then up to 15 digits)")]
    InvalidMsisdn,
    #[error("'{0}' is reserved: it names an endpoint of the API")]
    Reserved(&'static str),
    #[error(
        "the username must be an e-mail address, an E.164 phone number, or 1 to 64 letters, digits, '.', '_' or '-'"
    )]
    InvalidIdentifier,
}

/// A normalised, validated username.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username {
    value: String,
    kind: UsernameKind,
}

const MAX_EMAIL: usize = 254;
/// Fixed path segments under `/credentials/`: as usernames they would make paths ambiguous.
const RESERVED: [&str; 3] = ["move", "copy", "discover"];
const MAX_PLAIN: usize = 64;

impl Username {
    /// Trims, classifies, validates and normalises (e-mail addresses are lower-cased).
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            Err(UsernameError::Empty)
        } else if trimmed.contains('@') {
            parse_email(trimmed).map(|value| Self {
                value,
                kind: UsernameKind::Email,
            })
        } else if trimmed.starts_with('+') {
            let value = crate::Msisdn::parse(trimmed)
                .map_err(|_| UsernameError::InvalidMsisdn)?
                .as_str()
                .to_owned();
            Ok(Self {
                value,
                kind: UsernameKind::Msisdn,
            })
        } else if let Some(word) = RESERVED
            .into_iter()
            .find(|w| w.eq_ignore_ascii_case(trimmed))
        {
            Err(UsernameError::Reserved(word))
        } else if trimmed.len() <= MAX_PLAIN
            && trimmed
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            Ok(Self {
                value: trimmed.to_owned(),
                kind: UsernameKind::Plain,
            })
        } else {
            Err(UsernameError::InvalidIdentifier)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn kind(&self) -> UsernameKind {
        self.kind
    }
}

fn parse_email(raw: &str) -> Result<String, UsernameError> {
    let lower = raw.to_lowercase();
    let parsed = EmailAddress::from_str(&lower).map_err(|_| UsernameError::InvalidEmail)?;
    let domain = parsed.domain();
    // Only ordinary deliverable addresses: no IP literals, no quoted local parts, a dotted domain.
    let ordinary = lower.len() <= MAX_EMAIL
        && domain.contains('.')
        && !domain.starts_with('[')
        && !parsed.local_part().starts_with('"')
        && !lower.chars().any(|c| c.is_whitespace() || c.is_control());
    if ordinary {
        Ok(lower)
    } else {
        Err(UsernameError::InvalidEmail)
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({})", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(raw: &str) -> Option<(String, UsernameKind)> {
        Username::parse(raw)
            .ok()
            .map(|u| (u.as_str().to_owned(), u.kind()))
    }

    #[test]
    fn emails_are_trimmed_and_lower_cased() {
        assert_eq!(
            parsed("  Heimdall@MasMovil.COM "),
            Some(("heimdall@masmovil.com".into(), UsernameKind::Email))
        );
    }

    #[test]
    fn msisdns_follow_e164() {
        assert_eq!(
            parsed("+34600111222"),
            Some(("+34600111222".into(), UsernameKind::Msisdn))
        );
        assert_eq!(Username::parse("+0123"), Err(UsernameError::InvalidMsisdn));
        assert_eq!(
            Username::parse("+3460011122233344"),
            Err(UsernameError::InvalidMsisdn)
        );
    }

    #[test]
    fn plain_identifiers_keep_their_case() {
        assert_eq!(
            parsed("Customer_42"),
            Some(("Customer_42".into(), UsernameKind::Plain))
        );
    }

    #[test]
    fn rejects_unsafe_or_malformed_usernames() {
        assert_eq!(Username::parse("   "), Err(UsernameError::Empty));
        for bad in ["a b", "a/b", "<script>", "x;drop", &"a".repeat(65)] {
            assert_eq!(
                Username::parse(bad),
                Err(UsernameError::InvalidIdentifier),
                "{bad:?}"
            );
        }
        for reserved in ["move", "Copy", "discover"] {
            assert!(
                matches!(Username::parse(reserved), Err(UsernameError::Reserved(_))),
                "{reserved}"
            );
        }
        for bad in [
            "a@",
            "@b.com",
            "a@b",
            "a@[127.0.0.1]",
            "a b@c.com",
            "a@b@c.com",
        ] {
            assert_eq!(
                Username::parse(bad),
                Err(UsernameError::InvalidEmail),
                "{bad:?}"
            );
        }
    }
}
