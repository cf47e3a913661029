//! Usernames: an e-mail address, an E.164 MSISDN, or a plain identifier.
//!
//! Input is normalised as PRECIS prescribes for usernames (RFC 8265, with the `precis-profiles`
//! crate): width mapping (a full-width `ｕser＠example.com` is `user@example.com`) and NFC for
//! every kind, and for e-mail addresses the UsernameCaseMapped profile (lower case too). A part
//! of an e-mail address that mixes scripts (Unicode TS #39, with `unicode-security`: `uѕer`
//! with a Cyrillic `ѕ`) is refused: it would look like another customer's username. Plain
//! identifiers stay ASCII and keep their case, MSISDNs digits: usernames stored before this
//! normalisation (ASCII, e-mail addresses lower-cased) read the same.

use email_address::EmailAddress;
use precis_core::profile::PrecisFastInvocation as _;
use precis_profiles::{UsernameCaseMapped, UsernameCasePreserved};
use std::fmt;
use std::str::FromStr;
use unicode_security::MixedScript as _;

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
    #[error(
        "the username mixes scripts (such as Latin and Cyrillic letters that look alike): it could pass for another"
    )]
    Confusable,
}

/// A normalised, validated username.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Username {
    value: String,
    kind: UsernameKind,
}

impl Username {
    /// The longest e-mail address accepted as a username (bytes, after normalisation).
    pub const MAX_EMAIL: usize = 254;
    /// Fixed path segments under `/credentials/`: as usernames they would make paths ambiguous
    /// (compared ignoring ASCII case).
    pub const RESERVED: [&str; 3] = ["move", "copy", "discover"];
    /// The longest plain identifier accepted as a username.
    pub const MAX_PLAIN: usize = 64;

    /// Trims, normalises (width mapping and NFC; e-mail addresses lower-cased, RFC 8265),
    /// classifies and validates; refuses an e-mail address with a part that mixes scripts.
    pub fn parse(raw: &str) -> Result<Self, UsernameError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(UsernameError::Empty);
        }
        // RFC 8265 §3.4.3: width mapping, NFC, the bidi rule; a code point the IdentifierClass
        // disallows (a space, a symbol) is no username of any kind.
        let mapped = UsernameCasePreserved::enforce(raw).map_err(|_| refusal_of(raw))?;
        let trimmed = mapped.as_ref();
        if trimmed.contains('@') {
            let mapped =
                UsernameCaseMapped::enforce(trimmed).map_err(|_| UsernameError::InvalidEmail)?;
            parse_email(&mapped).map(|value| Self {
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
        } else if let Some(word) = Self::RESERVED
            .into_iter()
            .find(|w| w.eq_ignore_ascii_case(trimmed))
        {
            Err(UsernameError::Reserved(word))
        } else if trimmed.len() <= Self::MAX_PLAIN
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

    /// A username as a store holds it. It was valid when it was written; one written before the
    /// mixed-script rule (an e-mail address [`Username::parse`] now refuses as `Confusable`)
    /// still reads as the e-mail address it was, so that credential keeps working, while no new
    /// one like it can be made.
    pub fn from_stored(raw: &str) -> Result<Self, UsernameError> {
        match Self::parse(raw) {
            Err(UsernameError::Confusable) => Ok(Self {
                value: raw.trim().to_owned(),
                kind: UsernameKind::Email,
            }),
            other => other,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn kind(&self) -> UsernameKind {
        self.kind
    }
}

/// Why `raw`, which PRECIS refused, is no username.
fn refusal_of(raw: &str) -> UsernameError {
    if raw.contains('@') {
        UsernameError::InvalidEmail
    } else if raw.starts_with('+') || raw.starts_with('＋') {
        UsernameError::InvalidMsisdn
    } else {
        UsernameError::InvalidIdentifier
    }
}

/// Whether every part of an e-mail address (its local part, each label of its domain) is
/// written in one script (UTS #39 §5.1: `Common` characters such as digits and `.` go with any).
fn single_script(address: &str) -> bool {
    address
        .split(['@', '.'])
        .all(|part| part.is_single_script())
}

fn parse_email(raw: &str) -> Result<String, UsernameError> {
    let lower = raw.to_lowercase();
    let parsed = EmailAddress::from_str(&lower).map_err(|_| UsernameError::InvalidEmail)?;
    let domain = parsed.domain();
    // Only ordinary deliverable addresses: no IP literals, no quoted local parts, a dotted domain.
    let ordinary = lower.len() <= Username::MAX_EMAIL
        && domain.contains('.')
        && !domain.starts_with('[')
        && !parsed.local_part().starts_with('"')
        && !lower.chars().any(|c| c.is_whitespace() || c.is_control());
    if !ordinary {
        Err(UsernameError::InvalidEmail)
    } else if !single_script(&lower) {
        Err(UsernameError::Confusable)
    } else {
        Ok(lower)
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

    /// RFC 8265 width mapping and case mapping: one account, whatever width or case it is typed
    /// in; usernames stored before (ASCII) read the same.
    #[test]
    fn width_and_case_variants_are_one_username() {
        for variant in [
            "ｕser@example.com",
            "USER@EXAMPLE.COM",
            "ｕｓｅｒ＠ｅｘａｍｐｌｅ．ｃｏｍ",
        ] {
            assert_eq!(
                parsed(variant),
                Some(("user@example.com".into(), UsernameKind::Email)),
                "{variant}"
            );
        }
        assert_eq!(
            parsed("＋３４６００１１１２２２"),
            Some(("+34600111222".into(), UsernameKind::Msisdn))
        );
        assert_eq!(
            parsed("Ｃustomer_42"),
            Some(("Customer_42".into(), UsernameKind::Plain))
        );
        // NFC: a decomposed é is the composed one.
        assert_eq!(
            parsed("jose\u{301}@example.com").map(|(v, _)| v),
            Some("jos\u{e9}@example.com".into())
        );
    }

    /// UTS #39: a part that mixes scripts is refused; one script per part is an address.
    #[test]
    fn a_stored_mixed_script_address_still_reads() {
        let stored = "u\u{0455}er@example.com";
        assert!(matches!(
            Username::parse(stored),
            Err(UsernameError::Confusable)
        ));
        let read = Username::from_stored(stored);
        assert!(
            matches!(&read, Ok(u) if u.as_str() == stored && u.kind() == UsernameKind::Email),
            "{read:?}"
        );
        assert!(Username::from_stored("not a username").is_err());
    }

    #[test]
    fn mixed_script_usernames_are_refused() {
        for confusable in [
            "u\u{455}er@example.com",
            "user@ex\u{430}mple.com",
            "p\u{430}ypal@example.com",
        ] {
            assert_eq!(
                Username::parse(confusable),
                Err(UsernameError::Confusable),
                "{confusable}"
            );
        }
        for fine in [
            "\u{438}\u{432}\u{430}\u{43d}@example.com",
            "user.name+tag@example.com",
            "jos\u{e9}@example.com",
        ] {
            assert!(Username::parse(fine).is_ok(), "{fine}");
        }
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
