//! Operators' TOTP enrollments in process memory (dev mode): an active and a pending secret per
//! operator, as `PgOperatorTotpStore` keeps them in the `public` schema.

use crate::totp_records::TotpRecords;
use async_trait::async_trait;
use latchkey_core::{StoreError, Timestamp};
use latchkey_otp::{OperatorTotpStore, SealedSecret, TotpEnrollment};
use uuid::Uuid;

/// [`OperatorTotpStore`] in memory. An operator's id is never reused, so the enrollment of a
/// deleted operator can serve nobody.
#[derive(Debug, Default)]
pub struct MemOperatorTotpStore {
    records: TotpRecords<Uuid>,
}

#[async_trait]
impl OperatorTotpStore for MemOperatorTotpStore {
    async fn get(&self, operator: Uuid) -> Result<Option<TotpEnrollment>, StoreError> {
        Ok(self.records.get(&operator))
    }

    async fn put_pending(
        &self,
        operator: Uuid,
        secret: SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.records.put_pending(operator, secret, at);
        Ok(())
    }

    async fn activate(
        &self,
        operator: Uuid,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.records.activate(&operator, secret, at)
    }

    async fn delete(&self, operator: Uuid) -> Result<(), StoreError> {
        self.records.delete(&operator);
        Ok(())
    }
}
