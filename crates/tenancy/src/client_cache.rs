//! A read-through cache in front of any [`ClientRegistry`].
//!
//! Every token request authenticates its client, and every bearer check confirms the token's
//! client still exists: with the registry in a database that is a query per request for data
//! that changes rarely. Lookups by id are kept for a short time (absent ids too). A change made
//! through this instance is seen at once (writes empty the cache); a change made through another
//! instance sharing the same storage is seen within the time to live.

use crate::{ApiClient, ClientId, ClientRegistry};
use async_trait::async_trait;
use latchkey_core::{Clock, StoreError, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};
use time::Duration;

/// Past this many ids, a lookup first forgets every entry (an attacker may probe random ids).
const FORGET_ABOVE: usize = 10_000;

/// A [`ClientRegistry`] whose `get` answers from entries of at most `ttl` age.
#[derive(Debug)]
pub struct CachedClientRegistry {
    inner: Arc<dyn ClientRegistry>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
    entries: RwLock<HashMap<ClientId, (Option<ApiClient>, Timestamp)>>,
}

impl CachedClientRegistry {
    pub fn new(inner: Arc<dyn ClientRegistry>, clock: Arc<dyn Clock>, ttl: Duration) -> Self {
        Self {
            inner,
            clock,
            ttl,
            entries: RwLock::default(),
        }
    }

    fn forget(&self) {
        self.entries
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }
}

#[async_trait]
impl ClientRegistry for CachedClientRegistry {
    async fn insert(&self, client: ApiClient) -> Result<(), StoreError> {
        let result = self.inner.insert(client).await;
        self.forget();
        result
    }

    async fn upsert(&self, client: ApiClient) -> Result<(), StoreError> {
        let result = self.inner.upsert(client).await;
        self.forget();
        result
    }

    async fn get(&self, id: &ClientId) -> Result<Option<ApiClient>, StoreError> {
        let now = self.clock.now();
        if let Some((client, _)) = self
            .entries
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(id)
            .filter(|(_, at)| *at <= now && now - *at < self.ttl)
        {
            return Ok(client.clone());
        }
        let client = self.inner.get(id).await?;
        let mut entries = self.entries.write().unwrap_or_else(PoisonError::into_inner);
        if entries.len() > FORGET_ABOVE {
            entries.clear();
        }
        entries.insert(id.clone(), (client.clone(), now));
        Ok(client)
    }

    async fn list(&self) -> Result<Vec<ApiClient>, StoreError> {
        self.inner.list().await
    }

    async fn delete(&self, id: &ClientId) -> Result<(), StoreError> {
        let result = self.inner.delete(id).await;
        self.forget();
        result
    }
}
