use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::{OrgId, StoreError};
use latchkey_tenancy::{ApiClient, ClientId, ClientRegistry, Tenant, TenantDirectory};
use std::collections::BTreeMap;
use std::sync::RwLock;

/// Tenants in a map.
#[derive(Debug, Default)]
pub struct MemTenantDirectory {
    tenants: RwLock<BTreeMap<OrgId, Tenant>>,
}

#[async_trait]
impl TenantDirectory for MemTenantDirectory {
    async fn put(&self, mut tenant: Tenant) -> Result<(Tenant, bool), StoreError> {
        let mut tenants = write(&self.tenants);
        let created = match tenants.get(&tenant.id) {
            Some(existing) => {
                tenant.created_at = existing.created_at;
                false
            }
            None => true,
        };
        tenants.insert(tenant.id.clone(), tenant.clone());
        Ok((tenant, created))
    }

    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError> {
        Ok(read(&self.tenants).get(org).cloned())
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(read(&self.tenants).values().cloned().collect())
    }
}

/// API clients in a map.
#[derive(Debug, Default)]
pub struct MemClientRegistry {
    clients: RwLock<BTreeMap<ClientId, ApiClient>>,
}

#[async_trait]
impl ClientRegistry for MemClientRegistry {
    async fn insert(&self, client: ApiClient) -> Result<(), StoreError> {
        let mut clients = write(&self.clients);
        if clients.contains_key(&client.id) {
            return Err(StoreError::Conflict);
        }
        clients.insert(client.id.clone(), client);
        Ok(())
    }

    async fn upsert(&self, client: ApiClient) -> Result<(), StoreError> {
        write(&self.clients).insert(client.id.clone(), client);
        Ok(())
    }

    async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError> {
        Ok(read(&self.clients).get(id).cloned())
    }

    async fn list(&self) -> Result<Vec<ApiClient>, StoreError> {
        Ok(read(&self.clients).values().cloned().collect())
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        write(&self.clients)
            .remove(id)
            .map(|_| ())
            .ok_or(StoreError::NotFound)
    }
}
