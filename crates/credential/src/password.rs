//! Passwords and the password policy (NIST SP 800-63B §3.1.1.2, OWASP ASVS V2.1): a length range,
//! no composition rules, no common passwords, not the username.

use crate::Username;
use latchkey_core::{ExposeSecret as _, SecretString};
use std::collections::HashSet;
use std::fmt;
use std::sync::OnceLock;

/// The shortest password accepted (NIST: at least 8).
pub const MIN_CHARS: usize = 8;
/// The longest password accepted (NIST: at least 64 must be allowed).
pub const MAX_CHARS: usize = 128;

/// A password in clear, as a customer typed it. It never prints.
pub struct Password(SecretString);

impl Password {
    /// [`MIN_CHARS`], for callers outside the crate.
    pub const MIN_CHARS: usize = MIN_CHARS;
    /// [`MAX_CHARS`], for callers outside the crate.
    pub const MAX_CHARS: usize = MAX_CHARS;

    /// Wraps a password without judging it (see [`Password::check_policy`]).
    pub fn new(raw: &str) -> Self {
        Self(SecretString::from(raw))
    }

    /// The password, for the hasher alone.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Checks the policy for a credential called `username`.
    pub fn check_policy(&self, username: &Username) -> Result<(), PolicyViolation> {
        let password = self.expose();
        let chars = password.chars().count();
        if chars < MIN_CHARS {
            return Err(PolicyViolation::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PolicyViolation::TooLong);
        }
        let lower = password.to_lowercase();
        let name = username.as_str().to_lowercase();
        let local_part = name.split('@').next().unwrap_or_default();
        if lower == name || lower == local_part {
            return Err(PolicyViolation::SameAsUsername);
        }
        if common_passwords().contains(lower.as_str()) {
            return Err(PolicyViolation::Common);
        }
        Ok(())
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// Why a password is refused; each says what the user can do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    #[error("the password is too short: use at least 8 characters")]
    TooShort,
    #[error("the password is too long: use at most 128 characters")]
    TooLong,
    #[error("the password is one of the most common passwords: choose one that is harder to guess")]
    Common,
    #[error("the password must not be the username: choose something else")]
    SameAsUsername,
}

impl PolicyViolation {
    /// A stable code for clients.
    pub fn code(self) -> &'static str {
        match self {
            PolicyViolation::TooShort => "password.too_short",
            PolicyViolation::TooLong => "password.too_long",
            PolicyViolation::Common => "password.too_common",
            PolicyViolation::SameAsUsername => "password.same_as_username",
        }
    }
}

/// An argon2id hash in PHC string format. It never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([REDACTED])")
    }
}

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../data/common-passwords.txt")
            .lines()
            .collect()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(raw: &str) -> Username {
        Username::parse(raw).unwrap_or_else(|_| unreachable!())
    }

    fn check(password: &str) -> Result<(), PolicyViolation> {
        Password::new(password).check_policy(&user("heimdall@masmovil.com"))
    }

    #[test]
    fn accepts_long_unusual_passwords_without_composition_rules() {
        assert_eq!(check("correct horse battery staple"), Ok(()));
        assert_eq!(check("ñandú-paseando-88"), Ok(()));
        assert_eq!(check(&"x".repeat(128)), Ok(()));
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert_eq!(check("short1!"), Err(PolicyViolation::TooShort));
        assert_eq!(check("ññññññññ"), Ok(()));
        assert_eq!(check(&"x".repeat(129)), Err(PolicyViolation::TooLong));
    }

    #[test]
    fn rejects_common_passwords_case_insensitively() {
        for common in [
            "password",
            "12345678",
            "Password1",
            "qwertyuiop",
            "iloveyou",
        ] {
            assert_eq!(check(common), Err(PolicyViolation::Common), "{common}");
        }
        assert!(common_passwords().len() >= 3000);
    }

    #[test]
    fn rejects_the_username() {
        assert_eq!(
            check("Heimdall@masmovil.com"),
            Err(PolicyViolation::SameAsUsername)
        );
        assert_eq!(check("HEIMDALL"), Err(PolicyViolation::SameAsUsername));
        let u = user("customer_42");
        assert_eq!(
            Password::new("Customer_42").check_policy(&u),
            Err(PolicyViolation::SameAsUsername)
        );
    }

    #[test]
    fn debug_output_does_not_leak_the_value() {
        assert!(!format!("{:?}", Password::new("hunter22-secret")).contains("hunter22"));
        assert!(
            !format!("{:?}", PasswordHash::from_phc("$argon2id$x".into())).contains("argon2id")
        );
    }
}
