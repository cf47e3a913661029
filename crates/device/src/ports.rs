//! The storage port of device sessions. Every adapter runs the contract suite of
//! `latchkey-testkit`, which checks exactly the sentences below.

use crate::{Device, RefreshToken};
use async_trait::async_trait;
use latchkey_core::{OrgId, SecretHash, StoreError, Timestamp};
use uuid::Uuid;

/// The new token of a rotation: it inherits the device, client, scope and `auth_time` of the
/// one it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRefresh {
    pub id: Uuid,
    pub secret_hash: SecretHash,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Where devices and refresh tokens live (per tenant).
#[async_trait]
pub trait DeviceStore: Send + Sync + std::fmt::Debug {
    /// Stores a new device. MUST fail with `Conflict` when `org` has a device with that id.
    async fn insert_device(&self, org: &OrgId, device: Device) -> Result<(), StoreError>;

    /// The device with that id, expired or not; `Ok(None)` when there is none.
    async fn get_device(&self, org: &OrgId, id: Uuid) -> Result<Option<Device>, StoreError>;

    /// The devices of `credential` whose `expires_at` is after `now`, oldest first.
    async fn list_devices(
        &self,
        org: &OrgId,
        credential: Uuid,
        now: Timestamp,
    ) -> Result<Vec<Device>, StoreError>;

    /// Removes the device of `credential` with that id and every refresh token of it, at once.
    /// Answers whether there was one.
    async fn delete_device(
        &self,
        org: &OrgId,
        credential: Uuid,
        id: Uuid,
    ) -> Result<bool, StoreError>;

    /// Removes every device of `credential` and their refresh tokens; answers how many devices.
    async fn delete_devices(&self, org: &OrgId, credential: Uuid) -> Result<u64, StoreError>;

    /// Stores a refresh token. MUST fail with `NotFound` when its device does not exist, and
    /// with `Conflict` when the id is taken.
    async fn insert_refresh(&self, org: &OrgId, token: RefreshToken) -> Result<(), StoreError>;

    /// The refresh token with that id, used or not; `Ok(None)` when there is none (never
    /// issued, or its device is gone).
    async fn get_refresh(&self, org: &OrgId, id: Uuid) -> Result<Option<RefreshToken>, StoreError>;

    /// Rotation: when the token `old` exists, is unused and its `expires_at` is after `now`,
    /// marks it used at `now` and stores `new` (inheriting `old`'s device, client, scope and
    /// `auth_time`), answering `true`. Otherwise changes nothing and answers `false`. Atomic:
    /// of concurrent rotations of one token exactly one is `true`.
    async fn rotate_refresh(
        &self,
        org: &OrgId,
        old: Uuid,
        now: Timestamp,
        new: NewRefresh,
    ) -> Result<bool, StoreError>;
}
