//! argon2id password hashing (OWASP: m=19456 KiB, t=2, p=1) off the async runtime.
//!
//! Each hash takes ~19 MiB and tens of milliseconds, so hashes run on tokio's blocking pool and
//! a semaphore bounds how many run at once (memory stays bounded under a burst).

use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use async_trait::async_trait;
use latchkey_core::{BoxError, ExposeSecret as _, SecretString, SecureRandom};
use latchkey_credential::{Password, PasswordHash, PasswordHasher};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Memory cost in KiB (OWASP's minimum for argon2id with t=2).
pub const M_COST: u32 = 19_456;
/// Iterations.
pub const T_COST: u32 = 2;
/// Parallelism.
pub const P_COST: u32 = 1;

/// argon2id on a bounded blocking pool.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    random: Arc<dyn SecureRandom>,
}

impl Argon2Hasher {
    /// `concurrency` hashes at most at once.
    pub fn new(concurrency: usize, random: Arc<dyn SecureRandom>) -> Result<Self, BoxError> {
        let params = Params::new(M_COST, T_COST, P_COST, None).map_err(|e| e.to_string())?;
        Ok(Self {
            params,
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            random,
        })
    }

    fn argon2(params: Params) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> Result<T, BoxError> + Send + 'static,
    ) -> Result<T, BoxError> {
        let _permit = self.permits.acquire().await?;
        tokio::task::spawn_blocking(work).await?
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        let mut salt = [0u8; 16];
        self.random.fill(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
        let secret = SecretString::from(password.expose());
        let params = self.params.clone();
        self.run(move || {
            let hash = Self::argon2(params)
                .hash_password(secret.expose_secret().as_bytes(), &salt)
                .map_err(|e| e.to_string())?;
            Ok(PasswordHash::from_phc(hash.to_string()))
        })
        .await
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        let secret = SecretString::from(password.expose());
        let phc = hash.as_phc().to_owned();
        let params = self.params.clone();
        self.run(move || {
            let parsed = argon2::PasswordHash::new(&phc).map_err(|e| e.to_string())?;
            Ok(Self::argon2(params)
                .verify_password(secret.expose_secret().as_bytes(), &parsed)
                .is_ok())
        })
        .await
    }
}
