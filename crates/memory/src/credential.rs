use crate::device::State as Sessions;
use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::{OrgId, StoreError, Timestamp};
use latchkey_credential::{Credential, CredentialStore, Username};
use std::collections::HashMap;
use std::sync::{Arc, OnceLock, RwLock, RwLockWriteGuard};
use uuid::Uuid;

/// One tenant's credentials: the live ones by username, and the soft-deleted ones kept aside.
#[derive(Debug, Default)]
struct Tenant {
    live: HashMap<Username, Credential>,
    deleted: Vec<Credential>,
}

impl Tenant {
    fn replace_live(&mut self, credential: Credential) -> Result<(), StoreError> {
        let current = self
            .live
            .iter()
            .find(|(_, c)| c.id == credential.id)
            .map(|(u, _)| u.clone());
        let username = current.ok_or(StoreError::NotFound)?;
        self.live.remove(&username);
        if credential.is_live() {
            self.live.insert(credential.username.clone(), credential);
        } else {
            self.deleted.push(credential);
        }
        Ok(())
    }
}

/// The credentials, locked for a device session that starts (see `MemDeviceStore`).
pub(crate) struct Stamp<'a>(RwLockWriteGuard<'a, HashMap<OrgId, Tenant>>);

impl Stamp<'_> {
    /// Sets `last_login_at` of the live credential `id` of `org`, if there is one.
    pub(crate) fn stamp_login(&mut self, org: &OrgId, id: Uuid, at: Timestamp) {
        if let Some(c) = self
            .0
            .get_mut(org)
            .and_then(|t| t.live.values_mut().find(|c| c.id == id))
        {
            c.last_login_at = Some(at);
        }
    }
}

impl MemCredentialStore {
    /// Ties the device sessions of a `MemDeviceStore` to these credentials.
    pub(crate) fn attach_sessions(&self, sessions: Arc<RwLock<Sessions>>) {
        let _ = self.sessions.set(sessions);
    }

    /// The credentials, locked for a device session that starts.
    pub(crate) fn stamper(&self) -> Stamp<'_> {
        Stamp(write(&self.tenants))
    }

    /// The id, username and creation time of each live credential of `org`, unordered (the
    /// subscriber listing joins them with the profiles).
    pub(crate) fn live_of(&self, org: &OrgId) -> Vec<(Uuid, String, Timestamp)> {
        read(&self.tenants).get(org).map_or_else(Vec::new, |t| {
            t.live
                .values()
                .map(|c| (c.id, c.username.as_str().to_owned(), c.created_at))
                .collect()
        })
    }

    /// Whether `org` has the credential `id`, live or soft-deleted: a row on PostgreSQL, which
    /// the foreign keys of profiles, avatars and preferences require.
    pub(crate) fn has(&self, org: &OrgId, id: Uuid) -> bool {
        read(&self.tenants).get(org).is_some_and(|t| {
            t.live.values().any(|c| c.id == id) || t.deleted.iter().any(|c| c.id == id)
        })
    }

    /// Ends the device sessions of `credential` (no longer able to sign in), while the caller
    /// holds the credentials' lock.
    fn end_sessions(&self, org: &OrgId, credential: &Credential) {
        self.end_sessions_but(org, credential, None);
    }

    /// Ends the device sessions of `credential` but `keep`, while the caller holds the
    /// credentials' lock.
    fn end_sessions_but(&self, org: &OrgId, credential: &Credential, keep: Option<Uuid>) {
        if let Some(sessions) = self.sessions.get() {
            write(sessions).remove_devices_but(org, credential.id, keep);
        }
    }
}

/// Credentials of every tenant behind one lock, so a move between tenants is atomic.
#[derive(Debug, Default)]
pub struct MemCredentialStore {
    tenants: RwLock<HashMap<OrgId, Tenant>>,
    /// The device sessions tied to these credentials, if any (`MemDeviceStore::with_credentials`).
    sessions: OnceLock<Arc<RwLock<Sessions>>>,
}

#[async_trait]
impl CredentialStore for MemCredentialStore {
    async fn find(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<Option<Credential>, StoreError> {
        Ok(read(&self.tenants)
            .get(org)
            .and_then(|t| t.live.get(username))
            .cloned())
    }

    async fn find_by_id(&self, org: &OrgId, id: Uuid) -> Result<Option<Credential>, StoreError> {
        Ok(read(&self.tenants)
            .get(org)
            .and_then(|t| t.live.values().find(|c| c.id == id))
            .cloned())
    }

    async fn insert(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        let mut tenants = write(&self.tenants);
        let tenant = tenants.entry(org.clone()).or_default();
        if tenant.live.contains_key(&credential.username) {
            return Err(StoreError::Conflict);
        }
        tenant.live.insert(credential.username.clone(), credential);
        Ok(())
    }

    async fn update(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        let mut tenants = write(&self.tenants);
        let ends = !credential.enabled || !credential.is_live();
        let stored = credential.clone();
        tenants
            .get_mut(org)
            .ok_or(StoreError::NotFound)?
            .replace_live(credential)?;
        if ends {
            self.end_sessions(org, &stored);
        }
        Ok(())
    }

    async fn update_ending_sessions(
        &self,
        org: &OrgId,
        credential: Credential,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        let mut tenants = write(&self.tenants);
        let stored = credential.clone();
        tenants
            .get_mut(org)
            .ok_or(StoreError::NotFound)?
            .replace_live(credential)?;
        self.end_sessions_but(org, &stored, keep);
        Ok(())
    }

    async fn move_credential(
        &self,
        from: &OrgId,
        removed: Credential,
        to: &OrgId,
        moved: Credential,
    ) -> Result<(), StoreError> {
        let mut tenants = write(&self.tenants);
        let origin_has_it = tenants
            .get(from)
            .is_some_and(|t| t.live.values().any(|c| c.id == removed.id));
        if !origin_has_it {
            return Err(StoreError::NotFound);
        }
        if tenants
            .get(to)
            .is_some_and(|t| t.live.contains_key(&moved.username))
        {
            return Err(StoreError::Conflict);
        }
        // Both checks passed under the same write lock: neither step below can fail.
        self.end_sessions(from, &removed);
        tenants
            .entry(from.clone())
            .or_default()
            .replace_live(removed)?;
        tenants
            .entry(to.clone())
            .or_default()
            .live
            .insert(moved.username.clone(), moved);
        Ok(())
    }

    async fn discover(
        &self,
        orgs: &[OrgId],
        username: &Username,
    ) -> Result<Vec<(OrgId, Credential)>, StoreError> {
        let tenants = read(&self.tenants);
        Ok(orgs
            .iter()
            .filter_map(|org| {
                let found = tenants.get(org)?.live.get(username)?;
                Some((org.clone(), found.clone()))
            })
            .collect())
    }
}
