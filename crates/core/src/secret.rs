//! Secrets that never print, and hashes of high-entropy secrets.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use subtle::ConstantTimeEq;

pub use secrecy::{ExposeSecret, SecretString};

/// Compares two byte strings in constant time (for equal lengths).
pub fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.ct_eq(b).into()
}

/// The SHA-256 of a high-entropy secret (a client secret or a security-token secret).
///
/// Secrets Latchkey issues carry 256 bits of entropy, so a fast hash is enough to make a stolen
/// table useless (the same reasoning as crates.io's API tokens); passwords, which people choose,
/// use argon2id instead. Comparison is constant-time.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretHash([u8; 32]);

impl SecretHash {
    /// Hashes a secret.
    pub fn of(secret: &[u8]) -> Self {
        Self(Sha256::digest(secret).into())
    }

    /// Rebuilds a hash read back from storage.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The raw digest, for storage.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest in lower-case hex (64 characters), for keys that name a secret by its hash.
    pub fn to_hex(&self) -> String {
        use std::fmt::Write as _;
        self.0.iter().fold(String::with_capacity(64), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
    }

    /// Whether `secret` hashes to this value, in constant time.
    pub fn matches(&self, secret: &[u8]) -> bool {
        ct_eq(&Self::of(secret).0, &self.0)
    }
}

impl fmt::Debug for SecretHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretHash([REDACTED])")
    }
}

/// A secret a short-lived record keeps in clear because it is compared, never looked up (a
/// login's anti-forgery token): it serialises into the record, and never prints.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RecordSecret(String);

impl RecordSecret {
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret, for the one place that needs it (a form field, a cookie).
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `candidate` is this secret, in constant time.
    pub fn matches(&self, candidate: &str) -> bool {
        ct_eq(self.0.as_bytes(), candidate.as_bytes())
    }
}

impl fmt::Debug for RecordSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RecordSecret([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_matches_only_its_secret() {
        let hash = SecretHash::of(b"s3cret");
        assert!(hash.matches(b"s3cret"));
        assert!(!hash.matches(b"s3cret "));
        assert!(!hash.matches(b""));
    }

    #[test]
    fn debug_output_does_not_leak_the_value() {
        let secret = SecretString::from("hunter2-very-secret");
        assert!(!format!("{secret:?}").contains("hunter2"));
        let hash = SecretHash::of(b"x");
        assert!(!format!("{hash:?}").contains(&format!("{:?}", hash.as_bytes())));
        let kept = RecordSecret::new("csrf-very-secret".to_owned());
        assert!(!format!("{kept:?}").contains("very-secret"));
        assert!(kept.matches("csrf-very-secret") && !kept.matches("csrf"));
    }

    #[test]
    fn ct_eq_compares_content() {
        assert!(ct_eq(b"abc", b"abc"));
        assert!(!ct_eq(b"abc", b"abd"));
        assert!(!ct_eq(b"abc", b"abcd"));
    }
}
