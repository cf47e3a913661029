//! In-test fakes of the tenancy ports: tenants and clients in maps, a clock that stands still
//! and counter-based "randomness".

use super::*;
use async_trait::async_trait;
use latchkey_core::Timestamp;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use time::macros::datetime;

pub(super) const T0: Timestamp = datetime!(2024-01-01 00:00:00 UTC);

#[derive(Debug)]
pub(super) struct FixedClock(pub(super) Mutex<Timestamp>);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// Each 8-byte word is the next value of a counter: distinct ids and secrets, same every run.
#[derive(Debug, Default)]
pub(super) struct CountingRandom(pub(super) AtomicU64);

impl SecureRandom for CountingRandom {
    fn fill(&self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let word = self.0.fetch_add(1, Ordering::Relaxed) + 1;
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[derive(Debug, Default)]
pub(super) struct FakeTenants(pub(super) Mutex<BTreeMap<OrgId, Tenant>>);

#[async_trait]
impl TenantDirectory for FakeTenants {
    async fn put(&self, mut tenant: Tenant) -> Result<(Tenant, bool), StoreError> {
        let mut all = self.0.lock().unwrap();
        let previous = all.get(&tenant.id).map(|t| t.created_at);
        if let Some(created_at) = previous {
            tenant.created_at = created_at;
        }
        all.insert(tenant.id.clone(), tenant.clone());
        Ok((tenant, previous.is_none()))
    }

    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError> {
        Ok(self.0.lock().unwrap().get(org).cloned())
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(self.0.lock().unwrap().values().cloned().collect())
    }
}

#[derive(Debug, Default)]
pub(super) struct FakeClients(pub(super) Mutex<BTreeMap<ClientId, ApiClient>>);

#[async_trait]
impl ClientRegistry for FakeClients {
    async fn insert(&self, client: ApiClient) -> Result<(), StoreError> {
        let mut all = self.0.lock().unwrap();
        if all.contains_key(&client.id) {
            return Err(StoreError::Conflict);
        }
        all.insert(client.id.clone(), client);
        Ok(())
    }

    async fn upsert(&self, client: ApiClient) -> Result<(), StoreError> {
        self.0.lock().unwrap().insert(client.id.clone(), client);
        Ok(())
    }

    async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError> {
        Ok(self.0.lock().unwrap().get(id).cloned())
    }

    async fn list(&self) -> Result<Vec<ApiClient>, StoreError> {
        Ok(self.0.lock().unwrap().values().cloned().collect())
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        self.0
            .lock()
            .unwrap()
            .remove(id)
            .map(drop)
            .ok_or(StoreError::NotFound)
    }
}
