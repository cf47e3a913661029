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

/// What [`DeviceStore::exchange_refresh`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    /// The token is now used and `new` stored; here is the token as it was, and the credential
    /// of its device.
    Rotated { old: RefreshToken, credential: Uuid },
    /// The token (with the right secret and client) was used already: nothing changed; the
    /// caller ends the device session.
    Reused { device: Uuid },
    /// No such token, another secret or client, or expired: nothing changed.
    Refused,
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

    /// The refresh grant in one step: when the token `id` exists with `secret_hash`, was issued
    /// to `client_id`, is unused and its `expires_at` is after `now`, marks it used at `now`,
    /// stores `new` (inheriting the old token's device, client, scope, `auth_time` and
    /// `expires_at`: `new.expires_at` is not used) and answers `Rotated`
    /// with the token as it was and its device's credential. With the right secret and client
    /// but already used: `Reused`. Otherwise `Refused`. Nothing changes but in `Rotated`.
    /// Atomic: of concurrent exchanges of one token exactly one is `Rotated`, the others
    /// `Reused`.
    async fn exchange_refresh(
        &self,
        org: &OrgId,
        id: Uuid,
        secret_hash: &SecretHash,
        client_id: &str,
        now: Timestamp,
        new: NewRefresh,
    ) -> Result<Exchange, StoreError>;
}
