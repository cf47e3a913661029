//! The signing-key ring: the newest key signs, every stored key verifies, so a rotation never
//! breaks tokens already issued; removing an old key retires its tokens.

use crate::{AccessTokenCodec, KeyError, KeyGenerator, SigningKeyStore};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{Clock, SecureRandom, StoreError, Timestamp};
use latchkey_tenancy::{Principal, Scope};
use std::fmt;
use std::sync::Arc;

/// The JWS algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlgorithm {
    /// ECDSA P-256 with SHA-256: the default for access tokens.
    Es256,
}

impl SigningAlgorithm {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlgorithm::Es256 => "ES256",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        (raw == "ES256").then_some(SigningAlgorithm::Es256)
    }
}

/// A signing key with its private part (PKCS#8 DER), which never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningKey {
    pub kid: String,
    pub algorithm: SigningAlgorithm,
    pub private_pkcs8: Vec<u8>,
    pub created_at: Timestamp,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("algorithm", &self.algorithm)
            .field("private_pkcs8", &"[REDACTED]")
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Signing-key management.
#[derive(Debug, Clone)]
pub struct KeyService {
    store: Arc<dyn SigningKeyStore>,
    generator: Arc<dyn KeyGenerator>,
    codec: Arc<dyn AccessTokenCodec>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
}

impl KeyService {
    pub fn new(
        store: Arc<dyn SigningKeyStore>,
        generator: Arc<dyn KeyGenerator>,
        codec: Arc<dyn AccessTokenCodec>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
    ) -> Self {
        Self {
            store,
            generator,
            codec,
            clock,
            random,
        }
    }

    /// At start: makes a first key if there is none, and loads the ring into the codec.
    pub async fn ensure_key(&self) -> Result<(), KeyError> {
        if self.store.list().await.map_err(KeyError::Store)?.is_empty() {
            self.add_key().await?;
        }
        self.reload().await
    }

    /// Reloads the ring from storage into the codec.
    pub async fn reload(&self) -> Result<(), KeyError> {
        let keys = self.store.list().await.map_err(KeyError::Store)?;
        self.codec.load(&keys).map_err(KeyError::Crypto)
    }

    /// Every key, oldest first; the last one is active.
    pub async fn list(&self, caller: &Principal) -> Result<Vec<SigningKey>, KeyError> {
        caller.require_everywhere(Scope::KeysAdmin)?;
        self.store.list().await.map_err(KeyError::Store)
    }

    /// Adds a new key, which signs from now on; older keys keep verifying until removed.
    pub async fn rotate(&self, caller: &Principal) -> Result<SigningKey, KeyError> {
        caller.require_everywhere(Scope::KeysAdmin)?;
        let key = self.add_key().await?;
        self.reload().await?;
        Ok(key)
    }

    /// Removes a key that is not the active one.
    pub async fn remove(&self, caller: &Principal, kid: &str) -> Result<(), KeyError> {
        caller.require_everywhere(Scope::KeysAdmin)?;
        let keys = self.store.list().await.map_err(KeyError::Store)?;
        match keys.iter().position(|k| k.kid == kid) {
            None => return Err(KeyError::NotFound),
            Some(i) if i + 1 == keys.len() => return Err(KeyError::Active),
            Some(_) => {}
        }
        self.store.remove(kid).await.map_err(|e| match e {
            StoreError::NotFound => KeyError::NotFound,
            other => KeyError::Store(other),
        })?;
        self.reload().await
    }

    async fn add_key(&self) -> Result<SigningKey, KeyError> {
        let algorithm = SigningAlgorithm::Es256;
        let private_pkcs8 = self
            .generator
            .generate(algorithm)
            .map_err(KeyError::Crypto)?;
        let mut id = [0u8; 12];
        self.random.fill(&mut id);
        let key = SigningKey {
            kid: URL_SAFE_NO_PAD.encode(id),
            algorithm,
            private_pkcs8,
            created_at: self.clock.now(),
        };
        self.store
            .insert(key.clone())
            .await
            .map_err(KeyError::Store)?;
        Ok(key)
    }
}
