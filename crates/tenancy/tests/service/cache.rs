//! The cached tenant directory's time to live: what another instance writes is seen once the
//! snapshot is that old (the contract suite checks what this instance writes, in
//! `latchkey-memory`'s and `latchkey-postgres`'s contract tests).

use crate::fixture::{org, tenant};
use latchkey_core::testing::{FixedClock, T0};
use latchkey_memory::MemTenantDirectory;
use latchkey_tenancy::{CachedTenantDirectory, TenantDirectory};
use std::sync::Arc;

/// The cache answers from its snapshot until the time to live has passed; a `put` through it is
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
    // ...until the snapshot is a time to live old.
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
