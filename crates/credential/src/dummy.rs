//! The hash a sign-in verifies when there is no real one to verify (an unknown name, an account
//! without a password), so that the answer takes as long as for a wrong password and its time
//! does not tell whether the name exists (OWASP ASVS V2.2; zero-to-production's dummy hash).

use crate::{Password, PasswordHash, PasswordHasher};
use latchkey_core::BoxError;
use std::sync::{Arc, OnceLock};

/// What the dummy hash is a hash of: never anyone's password, and well within the policy.
const DUMMY_PASSWORD: &str = "latchkey dummy password for timing";

/// A hash of a fixed password, made once with the real hasher on first use (so verifying
/// against it costs what verifying a real hash costs) and shared by every clone.
#[derive(Debug, Clone, Default)]
pub struct DummyHash(Arc<OnceLock<PasswordHash>>);

impl DummyHash {
    /// The dummy hash, made with `hasher` the first time. Fails only when `hasher` does.
    pub async fn get(&self, hasher: &dyn PasswordHasher) -> Result<PasswordHash, BoxError> {
        if let Some(hash) = self.0.get() {
            return Ok(hash.clone());
        }
        let hash = hasher.hash(&Password::new(DUMMY_PASSWORD)).await?;
        // Two first callers may both hash; either result serves.
        Ok(self.0.get_or_init(|| hash).clone())
    }
}
