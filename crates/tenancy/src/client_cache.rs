//! A read-through cache in front of any [`ClientRegistry`].
//!
//! Every token request authenticates its client, and every bearer check confirms the token's
//! client still exists: with the registry in a database that is a query per request for data
//! that changes rarely. Lookups by id are kept for a short time (absent ids too, in bounded
//! number: see `lookups`). A change made through this instance is seen at once (a write forgets
//! the client); a change made through another instance sharing the storage is heard as a
//! [`Revocation::Client`] (the cache is a [`RevocationListener`]), and in any case seen within
//! the time to live.

use crate::lookups::Lookups;
use crate::{ApiClient, ClientId, ClientRegistry};
use async_trait::async_trait;
use latchkey_core::{Clock, Revocation, RevocationListener, StoreError};
use std::sync::Arc;
use time::Duration;

/// A [`ClientRegistry`] whose `get` answers from reads of at most `ttl` age.
#[derive(Debug)]
pub struct CachedClientRegistry {
    inner: Arc<dyn ClientRegistry>,
    clock: Arc<dyn Clock>,
    lookups: Lookups<ClientId, ApiClient>,
}

impl CachedClientRegistry {
    pub fn new(inner: Arc<dyn ClientRegistry>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self {
            inner,
            clock,
            lookups: Lookups::new(ttl),
        }
    }
}

#[async_trait]
impl ClientRegistry for CachedClientRegistry {
    async fn insert(&self, client: ApiClient) -> Result<(), StoreError> {
        let id = client.id.clone();
        let result = self.inner.insert(client).await;
        self.lookups.forget(&id);
        result
    }

    async fn upsert(&self, client: ApiClient) -> Result<(), StoreError> {
        let id = client.id.clone();
        let result = self.inner.upsert(client).await;
        self.lookups.forget(&id);
        result
    }

    async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError> {
        let now = self.clock.now();
        if let Some(answer) = self.lookups.get(id, now) {
            return Ok(answer);
        }
        let since = self.lookups.generation();
        let client = self.inner.get(id).await?;
        self.lookups
            .remember(id.clone(), client.clone(), now, since);
        Ok(client)
    }

    async fn list(&self) -> Result<Vec<ApiClient>, StoreError> {
        self.inner.list().await
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        let result = self.inner.delete(id).await;
        self.lookups.forget(id);
        result
    }
}

/// Every instance's changes of clients reach this instance's cache.
impl RevocationListener for CachedClientRegistry {
    fn heard(&self, revocation: &Revocation) {
        match revocation {
            // An id that does not parse was never looked up, so nothing of it is kept.
            Revocation::Client(id) => {
                if let Ok(id) = ClientId::parse(id) {
                    self.lookups.forget(&id);
                }
            }
            Revocation::Everything => self.lookups.forget_all(),
            Revocation::Subject(_) | Revocation::Tenant(_) | Revocation::Token(_) => {}
        }
    }
}
