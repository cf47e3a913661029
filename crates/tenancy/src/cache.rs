//! A read-through cache in front of any [`TenantDirectory`].
//!
//! Every request to a tenant's endpoints checks that the tenant exists and is enabled; with the
//! directory in a database that is one more query per request for data that changes a few times a
//! year. The cache keeps the whole (small) tenant list for a short time. A change made through
//! this instance is seen at once (a `put` empties the cache); a change made through another
//! instance sharing the same storage is seen within the time to live.

use crate::{Tenant, TenantDirectory};
use async_trait::async_trait;
use latchkey_core::{Clock, OrgId, StoreError, Timestamp};
use std::sync::{Arc, PoisonError, RwLock};
use time::Duration;

/// A [`TenantDirectory`] that answers `get` and `list` from a snapshot of at most `ttl` age.
#[derive(Debug)]
pub struct CachedTenantDirectory {
    inner: Arc<dyn TenantDirectory>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    snapshot: RwLock<Option<Snapshot>>,
}

#[derive(Debug)]
struct Snapshot {
    taken_at: Timestamp,
    /// Ordered by id, as `list` answers.
    tenants: Arc<Vec<Tenant>>,
}

impl CachedTenantDirectory {
    pub fn new(inner: Arc<dyn TenantDirectory>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self {
            inner,
            clock,
            ttl,
            snapshot: RwLock::new(None),
        }
    }

    async fn tenants(&self) -> Result<Arc<Vec<Tenant>>, StoreError> {
        let now = self.clock.now();
        if let Some(snapshot) = self
            .snapshot
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .filter(|s| now - s.taken_at < self.ttl && s.taken_at <= now)
        {
            return Ok(snapshot.tenants.clone());
        }
        let mut tenants = self.inner.list().await?;
        tenants.sort_by(|a, b| a.id.cmp(&b.id));
        let tenants = Arc::new(tenants);
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Snapshot {
            taken_at: now,
            tenants: tenants.clone(),
        });
        Ok(tenants)
    }

    fn forget(&self) {
        *self
            .snapshot
            .write()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }
}

#[async_trait]
impl TenantDirectory for CachedTenantDirectory {
    async fn put(&self, tenant: Tenant) -> Result<(Tenant, bool), StoreError> {
        // Forget before and after: a snapshot taken while the write runs must not outlive it.
        self.forget();
        let result = self.inner.put(tenant).await;
        self.forget();
        result
    }

    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError> {
        let tenants = self.tenants().await?;
        Ok(tenants
            .binary_search_by(|t| t.id.cmp(org))
            .ok()
            .and_then(|i| tenants.get(i))
            .cloned())
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(self.tenants().await?.as_ref().clone())
    }
}
