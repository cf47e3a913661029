//! Recorders in front of the memory stores: every call goes to the store, and the recorder
//! keeps what a test needs to see and the port does not return (soft-deleted credentials, the
//! ids of the tokens issued). They honour their ports' contracts, checked below.

use async_trait::async_trait;
use latchkey_core::{OrgId, StoreError};
use latchkey_credential::{
    Credential, CredentialStore, SecurityToken, SecurityTokenStore, TokenPurpose, Username,
};
use latchkey_memory::{MemCredentialStore, MemSecurityTokenStore};
use latchkey_testkit::contracts;
use std::sync::{Mutex, PoisonError};
use uuid::Uuid;

/// A [`MemCredentialStore`] that also keeps the last version written of every credential, the
/// soft-deleted ones included.
#[derive(Debug, Default)]
pub struct WrittenCredentials {
    store: MemCredentialStore,
    rows: Mutex<Vec<(OrgId, Credential)>>,
}

impl WrittenCredentials {
    /// Every credential of `org` ever written with that username, live or not, as last written.
    pub fn rows(&self, org: &OrgId, username: &str) -> Vec<Credential> {
        let rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        rows.iter()
            .filter(|(o, c)| o == org && c.username.as_str() == username)
            .map(|(_, c)| c.clone())
            .collect()
    }

    fn push(&self, org: &OrgId, credential: Credential) {
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        rows.push((org.clone(), credential));
    }

    /// Replaces the live row of `org` with `credential.id`.
    fn replace(&self, org: &OrgId, credential: Credential) {
        let mut rows = self.rows.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(row) = rows
            .iter_mut()
            .find(|(o, c)| o == org && c.is_live() && c.id == credential.id)
        {
            row.1 = credential;
        }
    }
}

#[async_trait]
impl CredentialStore for WrittenCredentials {
    async fn find(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<Option<Credential>, StoreError> {
        self.store.find(org, username).await
    }

    async fn find_by_id(&self, org: &OrgId, id: Uuid) -> Result<Option<Credential>, StoreError> {
        self.store.find_by_id(org, id).await
    }

    async fn insert(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        self.store.insert(org, credential.clone()).await?;
        self.push(org, credential);
        Ok(())
    }

    async fn update(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError> {
        self.store.update(org, credential.clone()).await?;
        self.replace(org, credential);
        Ok(())
    }

    async fn update_ending_sessions(
        &self,
        org: &OrgId,
        credential: Credential,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError> {
        self.store
            .update_ending_sessions(org, credential.clone(), keep)
            .await?;
        self.replace(org, credential);
        Ok(())
    }

    async fn move_credential(
        &self,
        from: &OrgId,
        removed: Credential,
        to: &OrgId,
        moved: Credential,
    ) -> Result<(), StoreError> {
        self.store
            .move_credential(from, removed.clone(), to, moved.clone())
            .await?;
        self.replace(from, removed);
        self.push(to, moved);
        Ok(())
    }

    async fn discover(
        &self,
        orgs: &[OrgId],
        username: &Username,
    ) -> Result<Vec<(OrgId, Credential)>, StoreError> {
        self.store.discover(orgs, username).await
    }
}

/// A [`MemSecurityTokenStore`] that also keeps the org and id of every token inserted.
#[derive(Debug, Default)]
pub struct IssuedTokens {
    store: MemSecurityTokenStore,
    issued: Mutex<Vec<(OrgId, Uuid)>>,
}

impl IssuedTokens {
    /// The purposes of the tokens `org` holds for `subject`.
    pub async fn purposes(&self, org: &str, subject: &str) -> Vec<TokenPurpose> {
        let issued = self
            .issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone();
        let mut purposes = Vec::new();
        for (o, id) in issued.iter().filter(|(o, _)| o.as_str() == org) {
            let token = self.store.get(o, *id).await.unwrap();
            purposes.extend(token.filter(|t| t.subject == subject).map(|t| t.purpose));
        }
        purposes
    }
}

#[async_trait]
impl SecurityTokenStore for IssuedTokens {
    async fn insert(&self, org: &OrgId, token: SecurityToken) -> Result<(), StoreError> {
        let id = token.id;
        self.store.insert(org, token).await?;
        self.issued
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((org.clone(), id));
        Ok(())
    }

    async fn get(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        self.store.get(org, id).await
    }

    async fn take(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        self.store.take(org, id).await
    }

    async fn delete_for_subject(
        &self,
        org: &OrgId,
        subject: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, StoreError> {
        self.store.delete_for_subject(org, subject, purposes).await
    }
}

#[tokio::test]
async fn written_credentials_honour_the_credential_store_contract() {
    contracts::credential_store::run(|| async { WrittenCredentials::default() }).await;
}

/// Multi-thread: the `take` race must run in parallel to prove anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn issued_tokens_honour_the_security_token_store_contract() {
    contracts::security_token_store::run(|| async { IssuedTokens::default() }).await;
}
