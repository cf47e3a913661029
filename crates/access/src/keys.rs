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
        self.revocations.revoked(&Revocation::Everything);
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

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{AccessClaims, VerifyError};
    use async_trait::async_trait;
    use latchkey_core::BoxError;
    use latchkey_tenancy::{OrgAccess, ScopeSet};
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU64, Ordering};
    use time::Duration;
    use time::macros::datetime;

    const T0: Timestamp = datetime!(2024-01-01 00:00:00 UTC);

    #[derive(Debug)]
    struct FixedClock(Mutex<Timestamp>);

    impl Clock for FixedClock {
        fn now(&self) -> Timestamp {
            *self.0.lock().unwrap()
        }
    }

    /// Each 8-byte word is the next value of a counter: distinct kids, same every run.
    #[derive(Debug, Default)]
    struct CountingRandom(AtomicU64);

    impl SecureRandom for CountingRandom {
        fn fill(&self, dest: &mut [u8]) {
            for chunk in dest.chunks_mut(8) {
                let word = self.0.fetch_add(1, Ordering::Relaxed) + 1;
                chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
            }
        }
    }

    /// Keys oldest first, as the port promises.
    #[derive(Debug, Default)]
    struct FakeKeyStore(Mutex<Vec<SigningKey>>);

    #[async_trait]
    impl SigningKeyStore for FakeKeyStore {
        async fn insert(&self, key: SigningKey) -> Result<(), StoreError> {
            let mut keys = self.0.lock().unwrap();
            if keys.iter().any(|k| k.kid == key.kid) {
                return Err(StoreError::Conflict);
            }
            keys.push(key);
            keys.sort_by(|a, b| (a.created_at, &a.kid).cmp(&(b.created_at, &b.kid)));
            Ok(())
        }

        async fn list(&self) -> Result<Vec<SigningKey>, StoreError> {
            Ok(self.0.lock().unwrap().clone())
        }

        async fn remove(&self, kid: &str) -> Result<(), StoreError> {
            let mut keys = self.0.lock().unwrap();
            let before = keys.len();
            keys.retain(|k| k.kid != kid);
            if keys.len() == before {
                Err(StoreError::NotFound)
            } else {
                Ok(())
            }
        }
    }

    /// Remembers the kids of the last ring it was given; never signs or verifies here.
    #[derive(Debug, Default)]
    struct RingCodec(Mutex<Option<Vec<String>>>);

    impl RingCodec {
        fn loaded(&self) -> Option<Vec<String>> {
            self.0.lock().unwrap().clone()
        }
    }

    impl AccessTokenCodec for RingCodec {
        fn jwks(&self) -> serde_json::Value {
            serde_json::json!({"keys": []})
        }

        fn load(&self, keys: &[SigningKey]) -> Result<(), BoxError> {
            *self.0.lock().unwrap() = Some(keys.iter().map(|k| k.kid.clone()).collect());
            Ok(())
        }

        fn sign(&self, _: &AccessClaims) -> Result<String, BoxError> {
            Err("not used by the key service".into())
        }

        fn verify(&self, _: &str) -> Result<AccessClaims, VerifyError> {
            Err(VerifyError::Malformed)
        }
    }

    mockall::mock! {
        Generator {}
        impl KeyGenerator for Generator {
            fn generate(&self, algorithm: SigningAlgorithm) -> Result<Vec<u8>, BoxError>;
        }
    }

    // The port requires `Debug`, which `mock!` does not derive.
    impl fmt::Debug for MockGenerator {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("MockGenerator")
        }
    }

    struct Fixture {
        store: Arc<FakeKeyStore>,
        codec: Arc<RingCodec>,
        clock: Arc<FixedClock>,
        service: KeyService,
    }

    /// A key service whose generator must be called exactly `generations` times.
    fn fixture(existing: Vec<SigningKey>, generations: usize) -> Fixture {
        let store = Arc::new(FakeKeyStore(Mutex::new(existing)));
        let codec = Arc::new(RingCodec::default());
        let clock = Arc::new(FixedClock(Mutex::new(T0)));
        let mut generator = MockGenerator::new();
        generator
            .expect_generate()
            .times(generations)
            .returning(|_| Ok(b"pkcs8".to_vec()));
        let service = KeyService::new(
            store.clone(),
            Arc::new(generator),
            codec.clone(),
            clock.clone(),
            Arc::new(CountingRandom::default()),
            Arc::new(crate::TokenCache::default()),
        );
        Fixture {
            store,
            codec,
            clock,
            service,
        }
    }

    fn key_admin(orgs: &[&str]) -> Principal {
        Principal {
            subject: "ops".to_owned(),
            scopes: [Scope::KeysAdmin].into_iter().collect::<ScopeSet>(),
            orgs: OrgAccess::parse(orgs).unwrap(),
            credential: None,
        }
    }

    fn kids(keys: &[SigningKey]) -> Vec<String> {
        keys.iter().map(|k| k.kid.clone()).collect()
    }

    /// The ES256 keys, oldest first.
    fn es256(keys: &[SigningKey]) -> Vec<String> {
        keys.iter()
            .filter(|k| k.algorithm == SigningAlgorithm::Es256)
            .map(|k| k.kid.clone())
            .collect()
    }

    /// Two ES256 keys, the newer one active (last), and the RS256 key.
    async fn rotated(f: &Fixture) -> (String, String) {
        f.service.ensure_key().await.unwrap();
        *f.clock.0.lock().unwrap() = T0 + Duration::minutes(1);
        let newer = f
            .service
            .rotate(&key_admin(&["*"]), SigningAlgorithm::Es256)
            .await
            .unwrap();
        let keys = f.store.list().await.unwrap();
        assert_eq!(keys.len(), 3);
        (es256(&keys)[0].clone(), newer.kid)
    }

    #[tokio::test]
    async fn ensure_key_creates_a_first_key_of_each_algorithm_and_loads_them() {
        let f = fixture(Vec::new(), 2);
        f.service.ensure_key().await.unwrap();
        let keys = f.store.list().await.unwrap();
        assert_eq!(keys.len(), 2);
        for algorithm in SigningAlgorithm::ALL {
            assert_eq!(keys.iter().filter(|k| k.algorithm == algorithm).count(), 1);
        }
        assert_eq!(keys[0].private_pkcs8, b"pkcs8");
        assert_eq!(keys[0].created_at, T0);
        assert_eq!(f.codec.loaded(), Some(kids(&keys)));
    }

    #[tokio::test]
    async fn ensure_key_keeps_an_existing_ring_and_loads_it() {
        let existing = SigningKey {
            kid: "old".to_owned(),
            algorithm: SigningAlgorithm::Es256,
            private_pkcs8: b"old-pkcs8".to_vec(),
            created_at: T0 - Duration::days(30),
        };
        // Only the missing RS256 key is made.
        let f = fixture(vec![existing.clone()], 1);
        f.service.ensure_key().await.unwrap();
        let keys = f.store.list().await.unwrap();
        assert_eq!(keys[0], existing);
        assert_eq!(keys[1].algorithm, SigningAlgorithm::Rs256);
        assert_eq!(f.codec.loaded(), Some(kids(&keys)));
    }

    #[tokio::test]
    async fn rotate_adds_a_newer_key_that_becomes_active() {
        let f = fixture(Vec::new(), 3);
        let (older, newer) = rotated(&f).await;
        assert_ne!(older, newer);
        let listed = f.service.list(&key_admin(&["*"])).await.unwrap();
        assert_eq!(es256(&listed), [older.clone(), newer.clone()]);
        assert_eq!(listed[2].created_at, T0 + Duration::minutes(1));
        assert!(KeyService::is_active(&listed, &listed[2]));
        assert_eq!(f.codec.loaded(), Some(kids(&listed)));
    }

    #[tokio::test]
    async fn remove_refuses_the_active_key_and_retires_an_older_one() {
        let f = fixture(Vec::new(), 3);
        let (older, newer) = rotated(&f).await;
        let admin = key_admin(&["*"]);
        let result = f.service.remove(&admin, &newer).await;
        assert!(matches!(result, Err(KeyError::Active)), "{result:?}");
        assert_eq!(kids(&f.store.list().await.unwrap()).len(), 3);
        f.service.remove(&admin, &older).await.unwrap();
        let keys = f.store.list().await.unwrap();
        assert_eq!(es256(&keys), [newer.as_str()]);
        assert_eq!(f.codec.loaded(), Some(kids(&keys)));
    }

    #[tokio::test]
    async fn remove_refuses_an_unknown_kid() {
        let f = fixture(Vec::new(), 2);
        f.service.ensure_key().await.unwrap();
        let result = f.service.remove(&key_admin(&["*"]), "no-such-kid").await;
        assert!(matches!(result, Err(KeyError::NotFound)), "{result:?}");
    }

    #[tokio::test]
    async fn keys_admin_restricted_to_some_orgs_is_refused() {
        let f = fixture(Vec::new(), 2);
        f.service.ensure_key().await.unwrap();
        let kid = kids(&f.store.list().await.unwrap())[0].clone();
        let restricted = key_admin(&["masmovil"]);
        let all_orgs = |r: Result<(), KeyError>| {
            matches!(
                r,
                Err(KeyError::Denied(
                    latchkey_tenancy::AccessDenied::AllOrgsRequired
                ))
            )
        };
        assert!(all_orgs(f.service.list(&restricted).await.map(drop)));
        let rotation = f.service.rotate(&restricted, SigningAlgorithm::Es256).await;
        assert!(all_orgs(rotation.map(drop)));
        assert!(all_orgs(f.service.remove(&restricted, &kid).await));
        assert_eq!(f.store.list().await.unwrap().len(), 2, "nothing changed");
    }
}
