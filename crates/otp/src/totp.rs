//! TOTP (RFC 6238): HMAC-SHA-1, 6 digits, 30-second steps, ±1 step of tolerance. The HOTP
//! arithmetic is totp-lite's; this module owns the parameters, the window and the otpauth URI.

use latchkey_core::{ExposeSecret as _, SecretString, SecureRandom, ct_eq};
use std::fmt;
use totp_lite::{Sha1, totp_custom};

/// Seconds per step.
pub const STEP_SECONDS: u64 = 30;
/// Digits per code.
pub const DIGITS: u32 = 6;
/// Bytes of a new secret: 160 bits, RFC 4226's recommended length for HMAC-SHA-1.
pub const SECRET_BYTES: usize = 20;

/// A TOTP shared secret. It never prints.
#[derive(Clone)]
pub struct TotpSecret(Vec<u8>);

/// Why bytes are not a usable TOTP secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a TOTP secret has at least 16 bytes")]
pub struct TotpSecretError;

impl TotpSecret {
    /// A new random secret of 160 bits.
    pub fn generate(random: &dyn SecureRandom) -> Self {
        let mut bytes = vec![0u8; SECRET_BYTES];
        random.fill(&mut bytes);
        Self(bytes)
    }

    /// A secret read back (decrypted) from storage.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, TotpSecretError> {
        if bytes.len() >= 16 {
            Ok(Self(bytes))
        } else {
            Err(TotpSecretError)
        }
    }

    /// The raw secret, for the cipher alone.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }

    /// RFC 4648 base32 without padding, as authenticator apps take it.
    pub fn base32(&self) -> SecretString {
        SecretString::from(data_encoding::BASE32_NOPAD.encode(&self.0))
    }
}

impl fmt::Debug for TotpSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TotpSecret([REDACTED])")
    }
}

/// The step of a Unix time.
pub fn step_of(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// Seconds until the step of `unix_seconds` ends (1 to 30).
pub fn seconds_left(unix_seconds: u64) -> u64 {
    STEP_SECONDS - unix_seconds % STEP_SECONDS
}

/// The code of the step `step`, zero-padded to 6 digits.
pub fn code_at(secret: &TotpSecret, step: u64) -> String {
    totp_custom::<Sha1>(STEP_SECONDS, DIGITS, secret.expose(), step * STEP_SECONDS)
}

/// The step, among the one of `unix_seconds` and its two neighbours, whose code is `code`
/// (compared in constant time; every candidate is computed).
pub fn matching_step(secret: &TotpSecret, code: &str, unix_seconds: u64) -> Option<u64> {
    let now = step_of(unix_seconds);
    let mut found = None;
    for step in [now.saturating_sub(1), now, now + 1] {
        if ct_eq(code_at(secret, step).as_bytes(), code.as_bytes()) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// `otpauth://totp/{Issuer}:{account}?secret=...&issuer={Issuer}&algorithm=SHA1&digits=6&period=30`
/// (Google Authenticator's key URI format), label and issuer percent-encoded.
pub fn otpauth_uri(issuer: &str, account: &str, secret: &TotpSecret) -> SecretString {
    let issuer = encode(issuer);
    SecretString::from(format!(
        "otpauth://totp/{issuer}:{}?secret={}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        encode(account),
        secret.base32().expose_secret(),
    ))
}

/// Percent-encodes everything but RFC 3986's unreserved characters (and `@`, common in labels).
fn encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'@') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the SHA-1 seed and its 8-digit codes; the last 6 digits are ours.
    const RFC_SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_6238_test_vectors() {
        let secret = TotpSecret::from_bytes(RFC_SEED.to_vec()).unwrap();
        for (time, eight_digits) in [
            (59_u64, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(
                code_at(&secret, step_of(time)),
                eight_digits[2..],
                "T = {time}"
            );
        }
    }

    #[test]
    fn accepts_one_step_either_side_and_no_further() {
        let secret = TotpSecret::from_bytes(RFC_SEED.to_vec()).unwrap();
        let now = 1_111_111_111;
        let step = step_of(now);
        for s in [step - 1, step, step + 1] {
            assert_eq!(matching_step(&secret, &code_at(&secret, s), now), Some(s));
        }
        for s in [step - 2, step + 2] {
            assert_eq!(matching_step(&secret, &code_at(&secret, s), now), None);
        }
        assert_eq!(matching_step(&secret, "12345", now), None);
    }

    #[test]
    fn seconds_left_counts_down_within_a_step() {
        assert_eq!(seconds_left(60), 30);
        assert_eq!(seconds_left(61), 29);
        assert_eq!(seconds_left(89), 1);
    }

    #[test]
    fn otpauth_uri_names_issuer_account_and_base32_secret() {
        let secret = TotpSecret::from_bytes(RFC_SEED.to_vec()).unwrap();
        let uri = otpauth_uri("MásMóvil", "ana@example.com", &secret);
        assert_eq!(
            uri.expose_secret(),
            "otpauth://totp/M%C3%A1sM%C3%B3vil:ana@example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=M%C3%A1sM%C3%B3vil&algorithm=SHA1&digits=6&period=30"
        );
    }

    #[test]
    fn secrets_are_160_bits_and_never_print() {
        #[derive(Debug)]
        struct Sevens;
        impl SecureRandom for Sevens {
            fn fill(&self, dest: &mut [u8]) {
                dest.fill(7);
            }
        }
        let secret = TotpSecret::generate(&Sevens);
        assert_eq!(secret.expose().len(), 20);
        assert!(!format!("{secret:?}").contains('7'));
        assert!(TotpSecret::from_bytes(vec![1; 15]).is_err());
    }
}
