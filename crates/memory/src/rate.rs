//! Rate limits in process memory: one server instance's count (a Redis adapter shares them
//! between instances).

use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::{Rate, RateLimiter, StoreError, Timestamp, Verdict, gcra};
use std::collections::HashMap;
use std::sync::RwLock;

/// Past this many keys, a hit first forgets the keys whose TAT has passed (they behave as new
/// anyway), so memory follows the keys in use, not every key ever seen.
const PRUNE_ABOVE: usize = 10_000;

/// The GCRA state (one timestamp) of every key, under one lock held for a map operation.
#[derive(Debug, Default)]
pub struct MemRateLimiter {
    tats: RwLock<HashMap<String, Timestamp>>,
}

#[async_trait]
impl RateLimiter for MemRateLimiter {
    async fn hit(&self, key: &str, rate: Rate, now: Timestamp) -> Result<Verdict, StoreError> {
        let mut tats = write(&self.tats);
        if tats.len() > PRUNE_ABOVE {
            tats.retain(|_, tat| *tat > now);
        }
        let (verdict, tat) = gcra(tats.get(key).copied(), rate, now);
        if let Some(tat) = tat {
            tats.insert(key.to_owned(), tat);
        }
        Ok(verdict)
    }

    async fn peek(&self, key: &str, rate: Rate, now: Timestamp) -> Result<Verdict, StoreError> {
        let tat = read(&self.tats).get(key).copied();
        Ok(gcra(tat, rate, now).0)
    }
}
