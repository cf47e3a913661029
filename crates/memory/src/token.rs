use crate::{read, write};
use async_trait::async_trait;
use latchkey_access::{SigningKey, SigningKeyStore};
use latchkey_core::{OrgId, StoreError};
use latchkey_credential::{SecurityToken, SecurityTokenStore, TokenPurpose};
use std::collections::HashMap;
use std::sync::RwLock;
use uuid::Uuid;

/// Security tokens by org and id.
#[derive(Debug, Default)]
pub struct MemSecurityTokenStore {
    tokens: RwLock<HashMap<(OrgId, Uuid), SecurityToken>>,
}

#[async_trait]
impl SecurityTokenStore for MemSecurityTokenStore {
    async fn insert(&self, org: &OrgId, token: SecurityToken) -> Result<(), StoreError> {
        let mut tokens = write(&self.tokens);
        let key = (org.clone(), token.id);
        if tokens.contains_key(&key) {
            return Err(StoreError::Conflict);
        }
        tokens.insert(key, token);
        Ok(())
    }

    async fn get(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        Ok(read(&self.tokens).get(&(org.clone(), id)).cloned())
    }

    async fn take(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError> {
        Ok(write(&self.tokens).remove(&(org.clone(), id)))
    }

    async fn delete_for_subject(
        &self,
        org: &OrgId,
        subject: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, StoreError> {
        let mut tokens = write(&self.tokens);
        let before = tokens.len();
        tokens.retain(|(o, _), t| {
            !(o == org && t.subject == subject && purposes.contains(&t.purpose))
        });
        Ok((before - tokens.len()) as u64)
    }
}

/// Signing keys in a list.
#[derive(Debug, Default)]
pub struct MemSigningKeyStore {
    keys: RwLock<Vec<SigningKey>>,
}

#[async_trait]
impl SigningKeyStore for MemSigningKeyStore {
    async fn insert(&self, key: SigningKey) -> Result<(), StoreError> {
        let mut keys = write(&self.keys);
        if keys.iter().any(|k| k.kid == key.kid) {
            return Err(StoreError::Conflict);
        }
        keys.push(key);
        keys.sort_by(|a, b| {
            a.created_at
                .cmp(&b.created_at)
                .then_with(|| a.kid.cmp(&b.kid))
        });
        Ok(())
    }

    async fn list(&self) -> Result<Vec<SigningKey>, StoreError> {
        Ok(read(&self.keys).clone())
    }

    async fn remove(&self, kid: &str) -> Result<(), StoreError> {
        let mut keys = write(&self.keys);
        let before = keys.len();
        keys.retain(|k| k.kid != kid);
        if keys.len() == before {
            Err(StoreError::NotFound)
        } else {
            Ok(())
        }
    }
}
