//! TOTP enrollments in process memory, by whatever names their holder (a tenant's credential,
//! an operator): an active and a pending secret each, as the PostgreSQL tables keep them.

use crate::{read, write};
use latchkey_core::{StoreError, Timestamp};
use latchkey_otp::{SealedSecret, StoredSecret, TotpEnrollment};
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;

/// The enrollments of [`crate::MemTotpStore`] and [`crate::MemOperatorTotpStore`], keyed by `K`.
#[derive(Debug)]
pub(crate) struct TotpRecords<K> {
    records: RwLock<HashMap<K, TotpEnrollment>>,
}

impl<K> Default for TotpRecords<K> {
    fn default() -> Self {
        Self {
            records: RwLock::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash> TotpRecords<K> {
    pub(crate) fn get(&self, key: &K) -> Option<TotpEnrollment> {
        read(&self.records).get(key).cloned()
    }

    /// Sets the pending secret, making the enrollment if there is none; the active one stays.
    pub(crate) fn put_pending(&self, key: K, secret: SealedSecret, at: Timestamp) {
        write(&self.records)
            .entry(key)
            .or_insert(TotpEnrollment {
                active: None,
                pending: None,
            })
            .pending = Some(StoredSecret { sealed: secret, at });
    }

    /// Makes the pending secret the active one, if it is `secret`; `NotFound` otherwise.
    pub(crate) fn activate(
        &self,
        key: &K,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        match write(&self.records).get_mut(key) {
            Some(record) if record.pending.as_ref().is_some_and(|p| p.sealed == *secret) => {
                record.pending = None;
                record.active = Some(StoredSecret {
                    sealed: secret.clone(),
                    at,
                });
                Ok(())
            }
            _ => Err(StoreError::NotFound),
        }
    }

    pub(crate) fn delete(&self, key: &K) {
        write(&self.records).remove(key);
    }
}
