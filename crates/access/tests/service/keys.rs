//! The signing-key ring: a first key of each algorithm, rotation, removal, and who may do it.
//! The codec is the real one: what it loaded is what its JWK Set publishes.

use crate::material::material;
use latchkey_access::{
    AccessTokenCodec as _, KeyError, KeyGenerator, KeyService, SigningAlgorithm, SigningKey,
    SigningKeyStore as _,
};
use latchkey_core::BoxError;
use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom, T0};
use latchkey_crypto::JwtCodec;
use latchkey_memory::MemSigningKeyStore;
use latchkey_tenancy::{OrgAccess, Principal, Scope, ScopeSet};
use std::fmt;
use std::sync::Arc;
use time::Duration;

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
    store: Arc<MemSigningKeyStore>,
    codec: Arc<JwtCodec>,
    clock: Arc<FixedClock>,
    service: KeyService,
}

/// A key service whose generator must be called exactly `generations` times; it answers the
/// run's key material of the algorithm asked for.
async fn fixture(existing: Vec<SigningKey>, generations: usize) -> Fixture {
    let store = Arc::new(MemSigningKeyStore::default());
    for key in existing {
        store.insert(key).await.unwrap();
    }
    let codec = Arc::new(JwtCodec::new(
        "https://latchkey.test".to_owned(),
        "latchkey-api".to_owned(),
    ));
    let clock = Arc::new(FixedClock::at(T0));
    let mut generator = MockGenerator::new();
    generator
        .expect_generate()
        .times(generations)
        .returning(|algorithm| Ok(material(algorithm)));
    let service = KeyService::new(
        store.clone(),
        Arc::new(generator),
        codec.clone(),
        clock.clone(),
        Arc::new(SeededRandom::new(3)),
        Arc::new(HeardRevocations::default()),
    );
    Fixture {
        store,
        codec,
        clock,
        service,
    }
}

/// The kids of the ring the codec loaded last, in its order: what its JWK Set publishes
/// (`None` before any load).
fn loaded(codec: &JwtCodec) -> Option<Vec<String>> {
    let jwks = codec.jwks();
    let keys = jwks["keys"].as_array()?;
    Some(
        keys.iter()
            .map(|jwk| jwk["kid"].as_str().unwrap().to_owned())
            .collect(),
    )
}

fn key_admin(orgs: &[&str]) -> Principal {
    Principal {
        subject: "ops".to_owned(),
        scopes: [Scope::KeysAdmin].into_iter().collect::<ScopeSet>(),
        orgs: OrgAccess::parse(orgs).unwrap(),
        credential: None,
        sign_in: None,
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
    f.clock.set(T0 + Duration::minutes(1));
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
    let f = fixture(Vec::new(), 2).await;
    f.service.ensure_key().await.unwrap();
    let keys = f.store.list().await.unwrap();
    assert_eq!(keys.len(), 2);
    for algorithm in SigningAlgorithm::ALL {
        assert_eq!(keys.iter().filter(|k| k.algorithm == algorithm).count(), 1);
    }
    assert_eq!(keys[0].private_pkcs8, material(keys[0].algorithm));
    assert_eq!(keys[0].created_at, T0);
    assert_eq!(loaded(&f.codec), Some(kids(&keys)));
}

#[tokio::test]
async fn ensure_key_keeps_an_existing_ring_and_loads_it() {
    let existing = SigningKey {
        kid: "old".to_owned(),
        algorithm: SigningAlgorithm::Es256,
        private_pkcs8: material(SigningAlgorithm::Es256),
        created_at: T0 - Duration::days(30),
    };
    // Only the missing RS256 key is made.
    let f = fixture(vec![existing.clone()], 1).await;
    f.service.ensure_key().await.unwrap();
    let keys = f.store.list().await.unwrap();
    assert_eq!(keys[0], existing);
    assert_eq!(keys[1].algorithm, SigningAlgorithm::Rs256);
    assert_eq!(loaded(&f.codec), Some(kids(&keys)));
}

#[tokio::test]
async fn rotate_adds_a_newer_key_that_becomes_active() {
    let f = fixture(Vec::new(), 3).await;
    let (older, newer) = rotated(&f).await;
    assert_ne!(older, newer);
    let listed = f.service.list(&key_admin(&["*"])).await.unwrap();
    assert_eq!(es256(&listed), [older.clone(), newer.clone()]);
    assert_eq!(listed[2].created_at, T0 + Duration::minutes(1));
    assert!(KeyService::is_active(&listed, &listed[2]));
    assert_eq!(loaded(&f.codec), Some(kids(&listed)));
}

#[tokio::test]
async fn remove_refuses_the_active_key_and_retires_an_older_one() {
    let f = fixture(Vec::new(), 3).await;
    let (older, newer) = rotated(&f).await;
    let admin = key_admin(&["*"]);
    let result = f.service.remove(&admin, &newer).await;
    assert!(matches!(result, Err(KeyError::Active)), "{result:?}");
    assert_eq!(kids(&f.store.list().await.unwrap()).len(), 3);
    f.service.remove(&admin, &older).await.unwrap();
    let keys = f.store.list().await.unwrap();
    assert_eq!(es256(&keys), [newer.as_str()]);
    assert_eq!(loaded(&f.codec), Some(kids(&keys)));
}

#[tokio::test]
async fn remove_refuses_an_unknown_kid() {
    let f = fixture(Vec::new(), 2).await;
    f.service.ensure_key().await.unwrap();
    let result = f.service.remove(&key_admin(&["*"]), "no-such-kid").await;
    assert!(matches!(result, Err(KeyError::NotFound)), "{result:?}");
}

#[tokio::test]
async fn keys_admin_restricted_to_some_orgs_is_refused() {
    let f = fixture(Vec::new(), 2).await;
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
