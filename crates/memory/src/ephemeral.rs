//! The login server's short-lived records in process memory (the dev-mode default; Redis shares
//! them between instances).

use crate::write;
use async_trait::async_trait;
use latchkey_core::{Clock, StoreError, Timestamp};
use latchkey_oauth::EphemeralStore;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use time::Duration;

/// Past this many records, a write first forgets the expired ones.
const PRUNE_ABOVE: usize = 10_000;

/// Every record expires on `clock`, as Redis keys expire on their TTL.
#[derive(Debug)]
pub struct MemEphemeralStore {
    clock: Arc<dyn Clock>,
    records: RwLock<HashMap<String, (Vec<u8>, Timestamp)>>,
}

impl MemEphemeralStore {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            records: RwLock::default(),
        }
    }

    fn store(&self, key: &str, value: &[u8], ttl: Duration, only_new: bool) -> bool {
        let now = self.clock.now();
        let mut records = write(&self.records);
        if records.len() > PRUNE_ABOVE {
            records.retain(|_, (_, expires)| *expires > now);
        }
        let live = records.get(key).is_some_and(|(_, e)| *e > now);
        if only_new && live {
            return false;
        }
        records.insert(key.to_owned(), (value.to_vec(), now + ttl));
        true
    }
}

#[async_trait]
impl EphemeralStore for MemEphemeralStore {
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError> {
        self.store(key, value, ttl, false);
        Ok(())
    }

    async fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StoreError> {
        Ok(self.store(key, value, ttl, true))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.clock.now();
        let records = crate::read(&self.records);
        Ok(records
            .get(key)
            .filter(|(_, e)| *e > now)
            .map(|(v, _)| v.clone()))
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let now = self.clock.now();
        let taken = write(&self.records).remove(key);
        Ok(taken.filter(|(_, e)| *e > now).map(|(v, _)| v))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        write(&self.records).remove(key);
        Ok(())
    }

    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        let now = self.clock.now();
        let mut records = write(&self.records);
        let current = records
            .get(key)
            .filter(|(_, e)| *e > now)
            .and_then(|(v, _)| std::str::from_utf8(v).ok()?.parse::<u64>().ok())
            .unwrap_or(0);
        let next = current + 1;
        records.insert(key.to_owned(), (next.to_string().into_bytes(), now + ttl));
        Ok(next)
    }
}
