//! Device sessions and refresh tokens in process memory.

use crate::MemCredentialStore;
use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::{OrgId, SecretHash, StoreError, Timestamp};
use latchkey_device::{Device, DeviceStore, Exchange, RefreshToken};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

#[derive(Debug, Default)]
pub(crate) struct State {
    devices: HashMap<(OrgId, Uuid), Device>,
    refresh: HashMap<(OrgId, Uuid), RefreshToken>,
}

/// Devices and refresh tokens of every tenant.
///
/// Tied to a [`MemCredentialStore`] ([`MemDeviceStore::with_credentials`]), the two behave as
/// the tables of one schema: a new device stamps its credential's `last_login_at`, and a
/// credential disabled, deleted or moved takes its devices with it, each in one step. Both
/// locks are then taken in one order, the credentials' first, so the steps cannot deadlock.
#[derive(Debug, Default)]
pub struct MemDeviceStore {
    state: Arc<RwLock<State>>,
    /// Where a new device stamps its credential's `last_login_at` (none: nothing stamped).
    credentials: Option<Arc<MemCredentialStore>>,
}

impl MemDeviceStore {
    /// A store tied to `credentials`, as the tables of one schema are on PostgreSQL.
    pub fn with_credentials(credentials: Arc<MemCredentialStore>) -> Self {
        let state = Arc::new(RwLock::default());
        credentials.attach_sessions(state.clone());
        Self {
            state,
            credentials: Some(credentials),
        }
    }
}

impl State {
    fn remove_device(&mut self, org: &OrgId, id: Uuid) {
        self.devices.remove(&(org.clone(), id));
        self.refresh
            .retain(|(o, _), token| !(o == org && token.device == id));
    }

    /// Removes every device of `credential` in `org` and their refresh tokens; how many devices.
    pub(crate) fn remove_devices_of(&mut self, org: &OrgId, credential: Uuid) -> u64 {
        self.remove_devices_but(org, credential, None)
    }

    /// Removes every device of `credential` in `org` but `keep`, and their refresh tokens; how
    /// many devices.
    pub(crate) fn remove_devices_but(
        &mut self,
        org: &OrgId,
        credential: Uuid,
        keep: Option<Uuid>,
    ) -> u64 {
        let ids: Vec<Uuid> = self
            .devices
            .iter()
            .filter(|((o, id), d)| o == org && d.credential == credential && Some(*id) != keep)
            .map(|((_, id), _)| *id)
            .collect();
        for id in &ids {
            self.remove_device(org, *id);
        }
        ids.len() as u64
    }
}

#[async_trait]
impl DeviceStore for MemDeviceStore {
    async fn insert_device(&self, org: &OrgId, device: Device) -> Result<(), StoreError> {
        // The credentials' lock first (see the type's doc).
        let mut stamp = self.credentials.as_ref().map(|c| c.stamper());
        let mut state = write(&self.state);
        let key = (org.clone(), device.id);
        if state.devices.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        if let Some(stamp) = &mut stamp {
            stamp.stamp_login(org, device.credential, device.created_at);
        }
        state.devices.insert(key, device);
        Ok(())
    }

    async fn get_device(&self, org: &OrgId, id: Uuid) -> Result<Option<Device>, StoreError> {
        Ok(read(&self.state).devices.get(&(org.clone(), id)).cloned())
    }

    async fn list_devices(
        &self,
        org: &OrgId,
        credential: Uuid,
        now: Timestamp,
    ) -> Result<Vec<Device>, StoreError> {
        let state = read(&self.state);
        let mut found: Vec<Device> = state
            .devices
            .iter()
            .filter(|((o, _), d)| o == org && d.credential == credential && d.expires_at > now)
            .map(|(_, d)| d.clone())
            .collect();
        found.sort_by_key(|d| (d.created_at, d.id));
        Ok(found)
    }

    async fn delete_device(
        &self,
        org: &OrgId,
        credential: Uuid,
        id: Uuid,
    ) -> Result<bool, StoreError> {
        let mut state = write(&self.state);
        let owned = state
            .devices
            .get(&(org.clone(), id))
            .is_some_and(|d| d.credential == credential);
        if owned {
            state.remove_device(org, id);
        }
        Ok(owned)
    }

    async fn delete_devices(&self, org: &OrgId, credential: Uuid) -> Result<u64, StoreError> {
        Ok(write(&self.state).remove_devices_of(org, credential))
    }

    async fn insert_refresh(&self, org: &OrgId, token: RefreshToken) -> Result<(), StoreError> {
        let mut state = write(&self.state);
        if !state.devices.contains_key(&(org.clone(), token.device)) {
            return Err(StoreError::NotFound);
        }
        let key = (org.clone(), token.id);
        if state.refresh.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        state.refresh.insert(key, token);
        Ok(())
    }

    async fn get_refresh(&self, org: &OrgId, id: Uuid) -> Result<Option<RefreshToken>, StoreError> {
        Ok(read(&self.state).refresh.get(&(org.clone(), id)).cloned())
    }

    async fn delete_refresh(&self, org: &OrgId, id: Uuid) -> Result<bool, StoreError> {
        Ok(write(&self.state)
            .refresh
            .remove(&(org.clone(), id))
            .is_some())
    }

    async fn exchange_refresh(
        &self,
        org: &OrgId,
        id: Uuid,
        secret_hash: &SecretHash,
        client_id: &str,
        now: Timestamp,
        next: &SecretHash,
    ) -> Result<Exchange, StoreError> {
        let mut state = write(&self.state);
        let Some(token) = state.refresh.get_mut(&(org.clone(), id)) else {
            return Ok(Exchange::Refused);
        };
        if token.client_id != client_id || token.expires_at <= now {
            return Ok(Exchange::Refused);
        }
        if token.secret_hash != *secret_hash {
            return Ok(Exchange::Reused {
                device: token.device,
            });
        }
        token.secret_hash = next.clone();
        token.rotated_at = Some(now);
        Ok(Exchange::Rotated {
            token: token.clone(),
        })
    }
}
