//! A password hasher that costs one SHA-256.

use async_trait::async_trait;
use latchkey_core::testing::SeededRandom;
use latchkey_core::{BoxError, SecretHash, SecureRandom, ct_eq};
use latchkey_credential::{Password, PasswordHash, PasswordHasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The scheme's name in its hashes: `$fast$<salt, hex>$<SHA-256(salt ‖ password), hex>`.
const SCHEME: &str = "fast";

/// A [`PasswordHasher`] that salts like argon2id but costs one SHA-256, and counts its
/// verifications (so a test can see that an unknown username costs one, like a known one).
///
/// Salts come from the [`SecureRandom`] it is given: with a [`SeededRandom`], the same seed
/// gives the same hashes in the same order.
#[derive(Debug)]
pub struct FastHasher {
    random: Arc<dyn SecureRandom>,
    verifications: AtomicUsize,
}

impl FastHasher {
    /// A hasher that draws its salts from `random`.
    pub fn new(random: Arc<dyn SecureRandom>) -> Self {
        Self {
            random,
            verifications: AtomicUsize::new(0),
        }
    }

    /// How many times [`PasswordHasher::verify`] was called, errors included.
    pub fn verifications(&self) -> usize {
        self.verifications.load(Ordering::SeqCst)
    }

    fn digest(salt: &[u8], password: &Password) -> String {
        SecretHash::of(&[salt, password.expose().as_bytes()].concat()).to_hex()
    }
}

impl Default for FastHasher {
    /// Salts from `SeededRandom::new(0)`.
    fn default() -> Self {
        Self::new(Arc::new(SeededRandom::new(0)))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[async_trait]
impl PasswordHasher for FastHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        let mut salt = [0u8; 16];
        self.random.fill(&mut salt);
        let digest = Self::digest(&salt, password);
        Ok(PasswordHash::from_phc(format!(
            "${SCHEME}${}${digest}",
            hex(&salt)
        )))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        self.verifications.fetch_add(1, Ordering::SeqCst);
        let parts: Vec<&str> = hash.as_phc().split('$').collect();
        let ["", SCHEME, salt, digest] = parts[..] else {
            return Err("not a FastHasher hash".into());
        };
        let salt = unhex(salt).filter(|s| !s.is_empty());
        let salt = salt.ok_or("the FastHasher hash has no valid salt")?;
        if digest.len() != 64 || unhex(digest).is_none() {
            return Err("the FastHasher hash has no valid digest".into());
        }
        let expected = Self::digest(&salt, password);
        Ok(ct_eq(expected.as_bytes(), digest.as_bytes()))
    }
}
