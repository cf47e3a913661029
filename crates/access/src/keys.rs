//! The signing-key ring: the newest key signs, every stored key verifies, so a rotation never
//! breaks tokens already issued; removing an old key retires its tokens.

use crate::{AccessTokenCodec, KeyError, KeyGenerator, SigningKeyStore};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{Clock, Revocation, Revocations, SecureRandom, StoreError, Timestamp};
use latchkey_tenancy::{Principal, Scope};
use std::fmt;
use std::sync::Arc;

/// The JWS algorithm of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningAlgorithm {
    /// ECDSA P-256 with SHA-256: access tokens, and ID tokens of clients that ask for it.
    Es256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (2048-bit keys): ID tokens, since OpenID Connect requires
    /// every provider to offer it.
    Rs256,
}

impl SigningAlgorithm {
    /// Every algorithm: the ring keeps an active key of each.
    pub const ALL: [SigningAlgorithm; 2] = [SigningAlgorithm::Es256, SigningAlgorithm::Rs256];

    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlgorithm::Es256 => "ES256",
            SigningAlgorithm::Rs256 => "RS256",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == raw)
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
    /// Told when a key is removed: the tokens it signed stop being trusted at once.
    revocations: Arc<dyn Revocations>,
}

impl KeyService {
    pub fn new(
        store: Arc<dyn SigningKeyStore>,
        generator: Arc<dyn KeyGenerator>,
        codec: Arc<dyn AccessTokenCodec>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
        revocations: Arc<dyn Revocations>,
    ) -> Self {
        Self {
            store,
            generator,
            codec,
            clock,
            random,
            revocations,
        }
    }

    /// At start: makes a first key of each algorithm that has none, and loads the ring into
    /// the codec.
    pub async fn ensure_key(&self) -> Result<(), KeyError> {
        let keys = self.store.list().await.map_err(KeyError::Store)?;
        for algorithm in SigningAlgorithm::ALL {
            if !keys.iter().any(|k| k.algorithm == algorithm) {
                self.add_key(algorithm).await?;
            }
        }
        self.reload().await
    }

    /// Whether `key` is the active key of its algorithm in `keys` (the newest of it).
    pub fn is_active(keys: &[SigningKey], key: &SigningKey) -> bool {
        keys.iter()
            .rev()
            .find(|k| k.algorithm == key.algorithm)
            .is_some_and(|k| k.kid == key.kid)
    }

    /// The public keys that verify Latchkey's tokens, as a JWK Set (RFC 7517).
    pub fn jwks(&self) -> serde_json::Value {
        self.codec.jwks()
    }

    /// Reloads the ring from storage into the codec.
    pub async fn reload(&self) -> Result<(), KeyError> {
        let keys = self.store.list().await.map_err(KeyError::Store)?;
        self.codec.load(&keys).map_err(KeyError::Crypto)
    }

    /// Every key, oldest first; the last one of each algorithm is active.
    pub async fn list(&self, caller: &Principal) -> Result<Vec<SigningKey>, KeyError> {
        caller.require_everywhere(Scope::KeysAdmin)?;
        self.store.list().await.map_err(KeyError::Store)
    }

    /// Adds a new key of `algorithm`, which signs from now on; older keys keep verifying until
    /// removed.
    pub async fn rotate(
        &self,
        caller: &Principal,
        algorithm: SigningAlgorithm,
    ) -> Result<SigningKey, KeyError> {
        caller.require_everywhere(Scope::KeysAdmin)?;
        let key = self.add_key(algorithm).await?;
        self.reload().await?;
        Ok(key)
    }

    /// Removes a key that is not the active one.
    pub async fn remove(&self, caller: &Principal, kid: &str) -> Result<(), KeyError> {
        caller.require_everywhere(Scope::KeysAdmin)?;
        let keys = self.store.list().await.map_err(KeyError::Store)?;
        match keys.iter().find(|k| k.kid == kid) {
            None => return Err(KeyError::NotFound),
            Some(key) if Self::is_active(&keys, key) => return Err(KeyError::Active),
            Some(_) => {}
        }
        self.store.remove(kid).await.map_err(|e| match e {
            StoreError::NotFound => KeyError::NotFound,
            e @ (StoreError::Conflict | StoreError::Unavailable(_)) => KeyError::Store(e),
        })?;
        self.reload().await?;
        self.revocations
            .revoked(&Revocation::Everything)
            .await
            .map_err(KeyError::Store)?;
        Ok(())
    }

    async fn add_key(&self, algorithm: SigningAlgorithm) -> Result<SigningKey, KeyError> {
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
