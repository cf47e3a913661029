//! A read-through cache in front of any [`TenantDirectory`].
//!
//! Every request to a tenant's endpoints checks that the tenant exists and is enabled; with the
//! directory in a database that is one more query per request for data that changes a few times a
//! year. The cache keeps each tenant looked up, and the list, for a short time; a tenant it has
//! not seen is read from the directory (an id found absent is remembered as absent for the same
//! short time, in bounded number: see `lookups`). A change made through this instance is seen
//! at once (a `put` forgets the tenant); a change made through another instance sharing the
//! storage is heard as a [`Revocation::Tenant`] (the cache is a [`RevocationListener`]), and in
//! any case seen within the time to live.

use crate::lookups::Lookups;
use crate::{Tenant, TenantDirectory};
use async_trait::async_trait;
use latchkey_core::{Clock, OrgId, Revocation, RevocationListener, StoreError};
use std::sync::Arc;
use time::Duration;

/// A [`TenantDirectory`] that answers `get` and `list` from reads of at most `ttl` age.
#[derive(Debug)]
pub struct CachedTenantDirectory {
    inner: Arc<dyn TenantDirectory>,
    clock: Arc<dyn Clock>,
    lookups: Lookups<OrgId, Tenant>,
}

impl CachedTenantDirectory {
    pub fn new(inner: Arc<dyn TenantDirectory>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self {
            inner,
            clock,
            lookups: Lookups::new(ttl),
        }
    }
}

#[async_trait]
impl TenantDirectory for CachedTenantDirectory {
    async fn put(&self, tenant: Tenant) -> Result<(Tenant, bool), StoreError> {
        let org = tenant.id.clone();
        let result = self.inner.put(tenant).await;
        // After the write: a read that began before it is not kept either (`lookups`).
        self.lookups.forget(&org);
        result
    }

    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError> {
        let now = self.clock.now();
        if let Some(answer) = self.lookups.get(org, now) {
            return Ok(answer);
        }
        let since = self.lookups.generation();
        let tenant = self.inner.get(org).await?;
        self.lookups
            .remember(org.clone(), tenant.clone(), now, since);
        Ok(tenant)
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        let now = self.clock.now();
        if let Some(tenants) = self.lookups.list(now) {
            return Ok(tenants.as_ref().clone());
        }
        let since = self.lookups.generation();
        let mut tenants = self.inner.list().await?;
        tenants.sort_by(|a, b| a.id.cmp(&b.id));
        self.lookups
            .remember_list(Arc::new(tenants.clone()), now, since);
        Ok(tenants)
    }
}

/// Every instance's changes of tenants reach this instance's cache.
impl RevocationListener for CachedTenantDirectory {
    fn heard(&self, revocation: &Revocation) {
        match revocation {
            Revocation::Tenant(org) => self.lookups.forget(org),
            Revocation::Everything => self.lookups.forget_all(),
            Revocation::Subject(_) | Revocation::Client(_) | Revocation::Token(_) => {}
        }
    }
}
