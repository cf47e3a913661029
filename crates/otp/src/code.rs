//! One-time codes sent by SMS or e-mail.

use latchkey_core::{ExposeSecret as _, OrgId, SecretHash, SecretString, SecureRandom};
use std::fmt;
use time::Duration;

/// How long a code lives (the `expires_in` of endpoint 16).
pub const CODE_TTL: Duration = Duration::seconds(300);
/// Wrong tries after which a code is burnt.
pub const MAX_ATTEMPTS: u32 = 5;
/// How long after a code is sent no new one is sent.
pub const RESEND_AFTER: Duration = Duration::seconds(30);

/// A code as a customer typed it: exactly 6 ASCII digits. It never prints.
pub struct OtpCode(SecretString);

/// Why a code is refused before it is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the code must be 6 digits")]
pub struct OtpCodeError;

impl OtpCode {
    /// The digits of a code.
    pub const DIGITS: usize = 6;

    pub fn parse(raw: &str) -> Result<Self, OtpCodeError> {
        let raw = raw.trim();
        if raw.len() == Self::DIGITS && raw.bytes().all(|b| b.is_ascii_digit()) {
            Ok(Self(SecretString::from(raw)))
        } else {
            Err(OtpCodeError)
        }
    }

    /// The digits.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for OtpCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OtpCode([REDACTED])")
    }
}

/// A uniformly random 6-digit code (rejection sampling: no modulo bias).
pub fn generate_code(random: &dyn SecureRandom) -> OtpCode {
    // 4_294_000_000 is the largest multiple of 1_000_000 that fits in a u32.
    const LIMIT: u32 = 4_294_000_000;
    loop {
        let mut bytes = [0u8; 4];
        random.fill(&mut bytes);
        let n = u32::from_le_bytes(bytes);
        if n < LIMIT {
            return OtpCode(SecretString::from(format!("{:06}", n % 1_000_000)));
        }
    }
}

/// What is stored for a code: SHA-256 of the org, the username and the code. A code has only
/// 20 bits, so the hash alone would not protect it for long; it protects it for its 300 s of life
/// and keeps the code itself out of the store (and out of anything that dumps it).
pub fn code_hash(org: &OrgId, username: &str, code: &OtpCode) -> SecretHash {
    SecretHash::of(format!("{org}\u{0}{username}\u{0}{}", code.expose()).as_bytes())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Counter(std::sync::atomic::AtomicU32);

    impl SecureRandom for Counter {
        fn fill(&self, dest: &mut [u8]) {
            let n = self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            // The first draw is over the limit and must be rejected.
            let value = if n == 0 { u32::MAX } else { 280_597 };
            dest.copy_from_slice(&value.to_le_bytes());
        }
    }

    #[test]
    fn codes_are_six_digits_without_modulo_bias() {
        let random = Counter(0.into());
        let code = generate_code(&random);
        assert_eq!(code.expose(), "280597");
        assert_eq!(random.0.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn only_six_digits_parse_and_they_never_print() {
        assert_eq!(OtpCode::parse(" 012345 ").unwrap().expose(), "012345");
        for bad in ["", "12345", "1234567", "12a456", "１２３４５６"] {
            assert!(OtpCode::parse(bad).is_err(), "{bad}");
        }
        let shown = format!("{:?}", OtpCode::parse("280597").unwrap());
        assert!(!shown.contains("280597"), "{shown}");
    }

    #[test]
    fn hashes_bind_the_code_to_its_org_and_username() {
        let org = OrgId::parse("yoigo").unwrap();
        let other = OrgId::parse("masmovil").unwrap();
        let code = OtpCode::parse("280597").unwrap();
        let h = code_hash(&org, "ana@example.com", &code);
        assert_eq!(h, code_hash(&org, "ana@example.com", &code));
        assert_ne!(h, code_hash(&other, "ana@example.com", &code));
        assert_ne!(h, code_hash(&org, "bob@example.com", &code));
        assert_ne!(
            h,
            code_hash(&org, "ana@example.com", &OtpCode::parse("280598").unwrap())
        );
    }
}
