//! Avatars and preferences of operators and subscribers in process memory.

use crate::credential::MemCredentialStore;
use crate::operator::MemOperators;
use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::StoreError;
use latchkey_subscriber::{Avatar, AvatarStore, Holder, PreferenceStore, Preferences};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

/// The operators and credentials an avatar or preference list may belong to. On PostgreSQL a
/// foreign key refuses a holder that does not exist and a deleted operator takes its rows
/// along; here a write for an unknown holder is refused, and what a deleted operator left
/// behind reads as absent.
#[derive(Debug, Clone)]
struct Holders {
    credentials: Arc<MemCredentialStore>,
    operators: MemOperators,
}

impl Holders {
    fn exist(&self, holder: &Holder) -> bool {
        match holder {
            Holder::Operator(id) => self.operators.has(*id),
            Holder::Subscriber(org, id) => self.credentials.has(org, *id),
        }
    }
}

/// One value per holder, readable only while the holder exists.
#[derive(Debug, Clone)]
struct PerHolder<T> {
    holders: Holders,
    values: Arc<RwLock<HashMap<Holder, T>>>,
}

impl<T: Clone> PerHolder<T> {
    fn new(credentials: Arc<MemCredentialStore>, operators: MemOperators) -> Self {
        Self {
            holders: Holders {
                credentials,
                operators,
            },
            values: Arc::default(),
        }
    }

    fn get(&self, holder: &Holder) -> Option<T> {
        let found = read(&self.values).get(holder).cloned()?;
        // Checked after the map's lock is released: one lock at a time.
        if self.holders.exist(holder) {
            Some(found)
        } else {
            write(&self.values).remove(holder);
            None
        }
    }

    fn put(&self, holder: &Holder, value: T) -> Result<(), StoreError> {
        if !self.holders.exist(holder) {
            return Err(StoreError::NotFound);
        }
        write(&self.values).insert(holder.clone(), value);
        Ok(())
    }

    fn delete(&self, holder: &Holder) -> bool {
        let removed = write(&self.values).remove(holder).is_some();
        removed && self.holders.exist(holder)
    }
}

/// Avatars, for the operators of a [`MemOperators`] and the credentials of a
/// [`MemCredentialStore`]. Clones share the data.
#[derive(Debug, Clone)]
pub struct MemAvatars(PerHolder<Avatar>);

impl MemAvatars {
    pub fn new(credentials: Arc<MemCredentialStore>, operators: MemOperators) -> Self {
        Self(PerHolder::new(credentials, operators))
    }
}

#[async_trait]
impl AvatarStore for MemAvatars {
    async fn get(&self, holder: &Holder) -> Result<Option<Avatar>, StoreError> {
        Ok(self.0.get(holder))
    }

    async fn put(&self, holder: &Holder, avatar: Avatar) -> Result<(), StoreError> {
        self.0.put(holder, avatar)
    }

    async fn delete(&self, holder: &Holder) -> Result<bool, StoreError> {
        Ok(self.0.delete(holder))
    }
}

/// Preferences, for the operators of a [`MemOperators`] and the credentials of a
/// [`MemCredentialStore`]. Clones share the data.
#[derive(Debug, Clone)]
pub struct MemPreferences(PerHolder<Preferences>);

impl MemPreferences {
    pub fn new(credentials: Arc<MemCredentialStore>, operators: MemOperators) -> Self {
        Self(PerHolder::new(credentials, operators))
    }
}

#[async_trait]
impl PreferenceStore for MemPreferences {
    async fn get(&self, holder: &Holder) -> Result<Option<Preferences>, StoreError> {
        Ok(self.0.get(holder))
    }

    async fn put(&self, holder: &Holder, preferences: Preferences) -> Result<(), StoreError> {
        self.0.put(holder, preferences)
    }

    async fn delete(&self, holder: &Holder) -> Result<(), StoreError> {
        self.0.delete(holder);
        Ok(())
    }
}
