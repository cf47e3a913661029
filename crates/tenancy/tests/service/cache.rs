//! The cached tenant directory and client registry: what another instance writes is read
//! through when this cache has not seen it, seen at once when its change is heard, and in any
//! case once what the cache holds is a time to live old (the contract suite checks what this
//! instance writes, in `latchkey-memory`'s and `latchkey-postgres`'s contract tests).

use crate::fixture::{org, tenant};
use latchkey_core::testing::{FixedClock, T0};
use latchkey_core::{OrgId, Revocation, RevocationListener, SecretHash, StoreError};
use latchkey_memory::{MemClientRegistry, MemTenantDirectory};
use latchkey_tenancy::{
    ApiClient, CachedClientRegistry, CachedTenantDirectory, ClientId, ClientName, ClientRegistry,
    Grant, LoginSettings, OrgAccess, Scope, Tenant, TenantDirectory,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The cache answers from what it read until the time to live has passed; a `put` through it is
/// seen at once.
#[tokio::test]
async fn cached_directory_serves_a_snapshot_for_its_time_to_live() {
    let inner = Arc::new(MemTenantDirectory::default());
    inner.put(tenant("masmovil", true)).await.unwrap();
    let clock = Arc::new(FixedClock::at(T0));
    let cache =
        CachedTenantDirectory::new(inner.clone(), clock.clone(), time::Duration::seconds(1));
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);

    // A change behind the cache's back (another server instance) is not seen yet...
    inner.put(tenant("masmovil", false)).await.unwrap();
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);
    // ...until what the cache read is a time to live old.
    clock.set(T0 + time::Duration::seconds(1));
    assert!(!cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);

    // A change through the cache is seen at once, and so is a new tenant.
    cache.put(tenant("masmovil", true)).await.unwrap();
    cache.put(tenant("yoigo", true)).await.unwrap();
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);
    assert!(cache.get(&org("yoigo")).await.unwrap().is_some());
    assert!(cache.get(&org("lebara")).await.unwrap().is_none());
    let ids: Vec<_> = cache
        .list()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.id.to_string())
        .collect();
    assert_eq!(ids, ["masmovil", "yoigo"]);
}

/// A directory that counts the reads of `get` (another instance's view of the same storage).
#[derive(Debug, Default)]
struct Counted {
    inner: MemTenantDirectory,
    gets: AtomicUsize,
}

impl Counted {
    fn gets(&self) -> usize {
        self.gets.load(Ordering::SeqCst)
    }
}

#[async_trait::async_trait]
impl TenantDirectory for Counted {
    async fn put(&self, tenant: Tenant) -> Result<(Tenant, bool), StoreError> {
        self.inner.put(tenant).await
    }
    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(org).await
    }
    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        self.inner.list().await
    }
}

fn cached(inner: Arc<Counted>) -> (CachedTenantDirectory, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::at(T0));
    let cache = CachedTenantDirectory::new(inner, clock.clone(), time::Duration::seconds(1));
    (cache, clock)
}

/// A tenant this cache has not seen is read from the storage, not judged by a cached list: one
/// created through another instance is known here at once.
#[tokio::test]
async fn a_tenant_created_through_another_instance_is_read_through_at_once() {
    let inner = Arc::new(Counted::default());
    inner.put(tenant("masmovil", true)).await.unwrap();
    let (cache, _) = cached(inner.clone());
    assert_eq!(cache.list().await.unwrap().len(), 1);
    assert!(cache.get(&org("masmovil")).await.unwrap().is_some());

    inner.put(tenant("yoigo", true)).await.unwrap();
    assert!(cache.get(&org("yoigo")).await.unwrap().unwrap().enabled);
}

/// An unknown org id is remembered as unknown for the time to live (one read a period however
/// often it is asked for), and forgotten at once when the tenant is heard of.
#[tokio::test]
async fn an_unknown_org_is_remembered_for_the_time_to_live_until_a_change_is_heard() {
    let inner = Arc::new(Counted::default());
    let (cache, clock) = cached(inner.clone());
    for _ in 0..100 {
        assert!(cache.get(&org("jazztel")).await.unwrap().is_none());
    }
    assert_eq!(inner.gets(), 1, "one read for a hundred lookups");
    clock.set(T0 + time::Duration::seconds(1));
    assert!(cache.get(&org("jazztel")).await.unwrap().is_none());
    assert_eq!(inner.gets(), 2, "read again once a time to live old");

    // Created through another instance: remembered as unknown here until its change is heard.
    inner.put(tenant("jazztel", true)).await.unwrap();
    assert!(cache.get(&org("jazztel")).await.unwrap().is_none());
    cache.heard(&Revocation::Tenant(org("jazztel")));
    assert!(cache.get(&org("jazztel")).await.unwrap().is_some());
}

/// A tenant disabled through another instance is seen disabled as soon as the change is heard;
/// other kinds of announcements leave the cache alone, `Everything` empties it.
#[tokio::test]
async fn a_tenant_changed_elsewhere_is_seen_when_its_change_is_heard() {
    let inner = Arc::new(Counted::default());
    for id in ["masmovil", "yoigo"] {
        inner.put(tenant(id, true)).await.unwrap();
    }
    let (cache, _) = cached(inner.clone());
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);
    assert!(cache.get(&org("yoigo")).await.unwrap().unwrap().enabled);
    inner.put(tenant("masmovil", false)).await.unwrap();
    inner.put(tenant("yoigo", false)).await.unwrap();
    cache.heard(&Revocation::Client("masmovil".to_owned()));
    cache.heard(&Revocation::Subject("masmovil".to_owned()));
    assert!(cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);
    cache.heard(&Revocation::Tenant(org("masmovil")));
    assert!(!cache.get(&org("masmovil")).await.unwrap().unwrap().enabled);
    assert!(
        cache.get(&org("yoigo")).await.unwrap().unwrap().enabled,
        "only that one"
    );
    assert!(
        cache.list().await.unwrap().iter().all(|t| !t.enabled),
        "the list too"
    );
    cache.heard(&Revocation::Everything);
    assert!(!cache.get(&org("yoigo")).await.unwrap().unwrap().enabled);
}

/// The client cache: read through on a miss, unknown ids remembered for the time to live, a
/// client deleted or changed elsewhere forgotten when heard.
#[tokio::test]
async fn a_client_deleted_elsewhere_is_forgotten_when_heard_and_a_new_one_read_through() {
    let inner = Arc::new(MemClientRegistry::default());
    let clock = Arc::new(FixedClock::at(T0));
    let cache = CachedClientRegistry::new(inner.clone(), clock, time::Duration::seconds(1));
    let shop = ClientId::parse("shop").unwrap();
    assert!(cache.get(&shop).await.unwrap().is_none());
    inner.insert(client("shop")).await.unwrap();
    assert!(
        cache.get(&shop).await.unwrap().is_none(),
        "remembered as unknown"
    );
    cache.heard(&Revocation::Client("shop".to_owned()));
    assert!(
        cache.get(&shop).await.unwrap().is_some(),
        "heard: read again"
    );

    let other = ClientId::parse("other").unwrap();
    inner.insert(client("other")).await.unwrap();
    assert!(
        cache.get(&other).await.unwrap().is_some(),
        "read through at once"
    );
    inner.delete(&shop).await.unwrap();
    assert!(cache.get(&shop).await.unwrap().is_some(), "not heard yet");
    cache.heard(&Revocation::Tenant(org("masmovil")));
    assert!(cache.get(&shop).await.unwrap().is_some());
    cache.heard(&Revocation::Client("shop".to_owned()));
    assert!(cache.get(&shop).await.unwrap().is_none(), "deleted");
    inner.delete(&other).await.unwrap();
    cache.heard(&Revocation::Everything);
    assert!(cache.get(&other).await.unwrap().is_none());
}

fn client(id: &str) -> ApiClient {
    ApiClient {
        id: ClientId::parse(id).unwrap(),
        name: ClientName::parse(id).unwrap(),
        secret_hash: SecretHash::of(b"secret"),
        scopes: [Scope::Tokens].into_iter().collect(),
        orgs: OrgAccess::parse(&["masmovil"]).unwrap(),
        created_at: T0,
        grants: [Grant::ClientCredentials].into_iter().collect(),
        login: LoginSettings::default(),
    }
}
