//! Operators' TOTP enrollments in process memory (dev mode): an active and a pending secret per
//! operator, as `PgOperatorTotpStore` keeps them in the `public` schema.

use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::{StoreError, Timestamp};
use latchkey_otp::{OperatorTotpStore, SealedSecret, StoredSecret, TotpEnrollment};
use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

/// [`OperatorTotpStore`] in memory. An operator's id is never reused, so the enrollment of a
/// deleted operator can serve nobody.
#[derive(Debug, Default)]
pub struct MemOperatorTotpStore {
    records: RwLock<HashMap<Uuid, TotpEnrollment>>,
}

#[async_trait]
impl OperatorTotpStore for MemOperatorTotpStore {
    async fn get(&self, operator: Uuid) -> Result<Option<TotpEnrollment>, StoreError> {
        Ok(read(&self.records).get(&operator).cloned())
    }

    async fn put_pending(
        &self,
        operator: Uuid,
        secret: SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        write(&self.records)
            .entry(operator)
            .or_insert(TotpEnrollment {
                active: None,
                pending: None,
            })
            .pending = Some(StoredSecret { sealed: secret, at });
        Ok(())
    }

    async fn activate(
        &self,
        operator: Uuid,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        match write(&self.records).get_mut(&operator) {
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

    async fn delete(&self, operator: Uuid) -> Result<(), StoreError> {
        write(&self.records).remove(&operator);
        Ok(())
    }
}
