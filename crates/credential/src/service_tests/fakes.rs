//! In-test fakes of the ports the credential service holds: credentials and security tokens in
//! maps (soft-deleted credentials kept for inspection), read-only tenants, a hasher that writes
//! `hash:<password>`, a clock the tests move and counter-based "randomness".

use super::*;
use crate::{SecurityToken, SecurityTokenStore};
use async_trait::async_trait;
use latchkey_core::{BoxError, Timestamp};
use latchkey_tenancy::{Tenant, TenantDirectory};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use time::macros::datetime;
use uuid::Uuid;

pub(super) const T0: Timestamp = datetime!(2024-01-01 00:00:00 UTC);

#[derive(Debug)]
pub(super) struct FixedClock(pub(super) Mutex<Timestamp>);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        *self.0.lock().unwrap()
    }
}

/// Each 8-byte word is the next value of a counter: distinct ids and secrets, same every run.
#[derive(Debug, Default)]
pub(super) struct CountingRandom(pub(super) AtomicU64);

impl SecureRandom for CountingRandom {
    fn fill(&self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let word = self.0.fetch_add(1, Ordering::Relaxed) + 1;
            chunk.copy_from_slice(&word.to_le_bytes()[..chunk.len()]);
        }
    }
}

#[derive(Debug)]
pub(super) struct PrefixHasher;

#[async_trait]
impl PasswordHasher for PrefixHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError> {
        Ok(PasswordHash::from_phc(format!(
            "hash:{}",
            password.expose()
        )))
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError> {
        Ok(hash.as_phc() == format!("hash:{}", password.expose()))
    }
}

/// Tenants fixed at construction: the credential service only reads them.
#[derive(Debug, Default)]
pub(super) struct FakeTenants(pub(super) BTreeMap<OrgId, Tenant>);

#[async_trait]
impl TenantDirectory for FakeTenants {
    async fn put(&self, _: Tenant) -> Result<(Tenant, bool), StoreError> {
        Err(StoreError::Unavailable(
            "the fake tenant directory is read-only".into(),
        ))
    }

    async fn get(&self, org: &OrgId) -> Result<Option<Tenant>, StoreError> {
        Ok(self.0.get(org).cloned())
    }

    async fn list(&self) -> Result<Vec<Tenant>, StoreError> {
        Ok(self.0.values().cloned().collect())
    }
}

#[derive(Debug, Default)]
pub(super) struct FakeTokens(pub(super) Mutex<HashMap<(OrgId, Uuid), SecurityToken>>);

#[async_trait]
impl SecurityTokenStore for FakeTokens {
    async fn insert(&self, org: &OrgId, token: SecurityToken) -> Result<(), StoreError> {
        let mut all = self.0.lock().unwrap();
        match all.insert((org.clone(), token.id), token) {
            None => Ok(()),
            Some(_) => Err(StoreError::Conflict),
        }
    }

    async fn get(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        Ok(self.0.lock().unwrap().get(&(org.clone(), id)).cloned())
    }

    async fn take(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        Ok(self.0.lock().unwrap().remove(&(org.clone(), id)))
    }

    async fn delete_for_subject(
        &self,
        org: &OrgId,
        subject: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, StoreError> {
        let mut all = self.0.lock().unwrap();
        let before = all.len();
        all.retain(|(o, _), t| {
            !(o == org && t.subject == subject && purposes.contains(&t.purpose))
        });
        Ok((before - all.len()) as u64)
    }
}

/// Every row ever stored, soft-deleted ones included, so tests can inspect them.
#[derive(Debug, Default)]
pub(super) struct FakeCredentials(pub(super) Mutex<Vec<(OrgId, Credential)>>);

impl FakeCredentials {
    pub(super) fn rows(&self, org: &OrgId, username: &str) -> Vec<Credential> {
        let all = self.0.lock().unwrap();
        all.iter()
            .filter(|(o, c)| o == org && c.username.as_str() == username)
            .map(|(_, c)| c.clone())
            .collect()
    }

    fn live_index(
        rows: &[(OrgId, Credential)],
        org: &OrgId,
        pick: impl Fn(&Credential) -> bool,
    ) -> Option<usize> {
        rows.iter()
            .position(|(o, c)| o == org && c.is_live() && pick(c))
    }
}

#[async_trait]
impl CredentialStore for FakeCredentials {
    async fn find(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<Option<Credential>, StoreError> {
        let all = self.0.lock().unwrap();
        Ok(Self::live_index(&all, org, |c| &c.username == username).map(|i| all[i].1.clone()))
    }

    async fn find_by_id(
        &self,
        org: &OrgId,
        id: uuid::Uuid,
    ) -> Result<Option<Credential>, StoreError> {
        let all = self.0.lock().unwrap();
        Ok(Self::live_index(&all, org, |c| c.id == id).map(|i| all[i].1.clone()))
    }

    async fn insert(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        let mut all = self.0.lock().unwrap();
        if Self::live_index(&all, org, |c| c.username == credential.username).is_some() {
            return Err(StoreError::Conflict);
        }
        all.push((org.clone(), credential));
        Ok(())
    }

    async fn update(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        let mut all = self.0.lock().unwrap();
        let i =
            Self::live_index(&all, org, |c| c.id == credential.id).ok_or(StoreError::NotFound)?;
        all[i].1 = credential;
        Ok(())
    }

    async fn move_credential(
        &self,
        from: &OrgId,
        removed: Credential,
        to: &OrgId,
        moved: Credential,
    ) -> Result<(), StoreError> {
        let mut all = self.0.lock().unwrap();
        let i = Self::live_index(&all, from, |c| c.id == removed.id).ok_or(StoreError::NotFound)?;
        if Self::live_index(&all, to, |c| c.username == moved.username).is_some() {
            return Err(StoreError::Conflict);
        }
        all[i].1 = removed;
        all.push((to.clone(), moved));
        Ok(())
    }

    async fn discover(
        &self,
        orgs: &[OrgId],
        username: &Username,
    ) -> Result<Vec<(OrgId, Credential)>, StoreError> {
        let all = self.0.lock().unwrap();
        Ok(orgs
            .iter()
            .filter_map(|org| {
                let i = Self::live_index(&all, org, |c| &c.username == username)?;
                Some(all[i].clone())
            })
            .collect())
    }
}
