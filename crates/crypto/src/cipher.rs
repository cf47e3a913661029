//! Encryption of secrets at rest (TOTP secrets): AES-256-GCM from aws-lc, a random 96-bit nonce
//! per message, the context (org and username) as associated data. Layout: nonce ‖ ciphertext ‖
//! tag.

use aws_lc_rs::aead::{AES_256_GCM, Aad, Nonce, RandomizedNonceKey};
use base64::Engine as _;
use latchkey_core::BoxError;
use latchkey_otp::{SealedSecret, SecretCipher};
use std::fmt;

const NONCE_LEN: usize = 12;

/// Why `LATCHKEY_DATA_KEY` is refused.
#[derive(Debug, thiserror::Error)]
#[error(
    "LATCHKEY_DATA_KEY must be 32 bytes in standard base64 (44 characters; e.g. `openssl rand -base64 32`)"
)]
pub struct DataKeyError;

/// AES-256-GCM with the data key.
pub struct AesGcmCipher {
    key: RandomizedNonceKey,
}

impl fmt::Debug for AesGcmCipher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AesGcmCipher([REDACTED])")
    }
}

impl AesGcmCipher {
    /// The cipher of a key given as standard base64 of 32 bytes.
    pub fn from_base64(encoded: &str) -> Result<Self, DataKeyError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .map_err(|_| DataKeyError)?;
        Self::from_bytes(&bytes)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DataKeyError> {
        if bytes.len() != 32 {
            return Err(DataKeyError);
        }
        let key = RandomizedNonceKey::new(&AES_256_GCM, bytes).map_err(|_| DataKeyError)?;
        Ok(Self { key })
    }
}

impl SecretCipher for AesGcmCipher {
    fn seal(&self, plain: &[u8], context: &[u8]) -> Result<SealedSecret, BoxError> {
        let mut in_out = plain.to_vec();
        let nonce = self
            .key
            .seal_in_place_append_tag(Aad::from(context), &mut in_out)
            .map_err(|_| "sealing failed")?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + in_out.len());
        sealed.extend_from_slice(nonce.as_ref());
        sealed.extend_from_slice(&in_out);
        Ok(SealedSecret(sealed))
    }

    fn open(&self, sealed: &SealedSecret, context: &[u8]) -> Result<Vec<u8>, BoxError> {
        let (nonce, ciphertext) = sealed
            .0
            .split_at_checked(NONCE_LEN)
            .ok_or("sealed secret too short")?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| "bad nonce")?;
        let mut in_out = ciphertext.to_vec();
        let plain = self
            .key
            .open_in_place(nonce, Aad::from(context), &mut in_out)
            .map_err(|_| "the secret does not decrypt with this key and context")?;
        Ok(plain.to_vec())
    }
}

/// The cipher when no data key is configured on a database: every use fails (503), so that
/// no secret is ever sealed with a key that would be lost at the next start.
#[derive(Debug, Clone, Copy)]
pub struct NoDataKey;

impl SecretCipher for NoDataKey {
    fn seal(&self, _: &[u8], _: &[u8]) -> Result<SealedSecret, BoxError> {
        Err("LATCHKEY_DATA_KEY is not set".into())
    }

    fn open(&self, _: &SealedSecret, _: &[u8]) -> Result<Vec<u8>, BoxError> {
        Err("LATCHKEY_DATA_KEY is not set".into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    const KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    #[test]
    fn sealed_secrets_open_only_with_the_same_key_and_context() {
        let cipher = AesGcmCipher::from_base64(KEY).unwrap();
        let sealed = cipher.seal(b"twenty bytes secret!", b"yoigo/ana").unwrap();
        assert_eq!(sealed.0.len(), 12 + 20 + 16);
        assert_eq!(
            cipher.open(&sealed, b"yoigo/ana").unwrap(),
            b"twenty bytes secret!"
        );
        assert!(cipher.open(&sealed, b"yoigo/bob").is_err(), "another row");
        let other = AesGcmCipher::from_bytes(&[9; 32]).unwrap();
        assert!(other.open(&sealed, b"yoigo/ana").is_err(), "another key");
        let mut tampered = sealed.clone();
        tampered.0[20] ^= 1;
        assert!(cipher.open(&tampered, b"yoigo/ana").is_err());
        assert_ne!(
            cipher.seal(b"twenty bytes secret!", b"yoigo/ana").unwrap(),
            sealed,
            "a fresh nonce each time"
        );
    }

    #[test]
    fn keys_must_be_32_bytes_of_standard_base64() {
        for bad in ["", "c2hvcnQ=", "not base64!", &format!("{KEY}AA")] {
            assert!(AesGcmCipher::from_base64(bad).is_err(), "{bad}");
        }
        assert!(!format!("{:?}", AesGcmCipher::from_base64(KEY).unwrap()).contains(KEY));
    }
}
