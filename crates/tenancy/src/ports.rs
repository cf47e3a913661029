//! The storage ports of the tenancy domain. Every adapter runs the contract suite of
//! `latchkey-testkit`, which checks exactly the sentences below.

use crate::{ApiClient, ClientId, Tenant};
use async_trait::async_trait;
use latchkey_core::{OrgId, StoreError};

/// Where tenants live.
#[async_trait]
pub trait TenantDirectory: Send + Sync + std::fmt::Debug {
    /// Stores `tenant`, replacing the tenant with the same id if there is one. When one is
    /// replaced, its `created_at` MUST be kept (the stored value wins over the argument's).
    /// Returns the tenant as stored and whether it was created (`true`) or replaced (`false`).
    async fn put(&self, tenant: Tenant) -> Result<(Tenant, bool), StoreError>;

    /// Returns `Ok(None)` when no tenant has that id (enabled or not).
    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError>;

    /// Every tenant, enabled or not, ordered by id.
    async fn list(&self) -> Result<Vec<Tenant>, StoreError>;
}

/// Where API clients live.
#[async_trait]
pub trait ClientRegistry: Send + Sync + std::fmt::Debug {
    /// Adds a client. MUST fail with `StoreError::Conflict` when the id is taken.
    async fn insert(&self, client: ApiClient) -> Result<(), StoreError>;

    /// Adds the client, or replaces the one with the same id (used for the bootstrap client).
    async fn upsert(&self, client: ApiClient) -> Result<(), StoreError>;

    /// Returns `Ok(None)` when no client has that id.
    async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError>;

    /// Every client, ordered by id.
    async fn list(&self) -> Result<Vec<ApiClient>, StoreError>;

    /// Removes a client. MUST fail with `StoreError::NotFound` when no client has that id.
    async fn delete(&self, id: &ClientId) -> Result<(), StoreError>;
}
