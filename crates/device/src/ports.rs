//! The storage port of device sessions. Every adapter runs the contract suite of
//! `latchkey-testkit`, which checks exactly the sentences below.

use crate::{Device, RefreshToken};
use async_trait::async_trait;
use latchkey_core::{OrgId, SecretHash, StoreError, Timestamp};
use uuid::Uuid;

/// What [`DeviceStore::exchange_refresh`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exchange {
    /// The secret was replaced: here is the token as it is now.
    Rotated { token: RefreshToken },
    /// A secret the token no longer has (or never had) came with its id, from its client,
    /// unexpired: nothing changed; the caller ends the device session.
    Reused { device: Uuid },
    /// No such token, another client, or expired: nothing changed.
    Refused,
}

/// Where devices and refresh tokens live (per tenant).
#[async_trait]
pub trait DeviceStore: Send + Sync + std::fmt::Debug {
    /// Stores a new device: a login. With it (both or neither), the live credential
    /// `device.credential` of `org`, if there is one, gets `last_login_at` = `device.created_at`
    /// (one write per login). MUST fail with `Conflict` when `org` has a device with that id.
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

    /// The refresh token with that id, expired or not; `Ok(None)` when there is none (never
    /// issued, revoked, or its device is gone).
    async fn get_refresh(&self, org: &OrgId, id: Uuid) -> Result<Option<RefreshToken>, StoreError>;

    /// Removes the refresh token with that id (its device stays). Answers whether there was one.
    async fn delete_refresh(&self, org: &OrgId, id: Uuid) -> Result<bool, StoreError>;

    /// The refresh grant in one step. When the token `id` exists, was issued to `client_id`
    /// and its `expires_at` is after `now`: if `secret_hash` is its secret, the secret becomes
    /// `next` and `rotated_at` becomes `now`, and the answer is `Rotated` with the token as it
    /// is then; with any other secret the answer is `Reused` with its device. Otherwise `Refused`.
    /// Nothing changes but in `Rotated`. Atomic: of concurrent exchanges of one secret exactly
    /// one is `Rotated`, the others `Reused`.
    async fn exchange_refresh(
        &self,
        org: &OrgId,
        id: Uuid,
        secret_hash: &SecretHash,
        client_id: &str,
        now: Timestamp,
        next: &SecretHash,
    ) -> Result<Exchange, StoreError>;
}
