//! The security service's subscriber profiles in process memory, beside the memory credentials
//! they describe.

use crate::credential::MemCredentialStore;
use crate::{read, write};
use async_trait::async_trait;
use latchkey_core::{OrgId, StoreError, Timestamp};
use latchkey_subscriber::{SubscriberProfile, SubscriberProfileStore, SubscriberQuery};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// Profiles of every tenant, keyed by org and credential. Listings read the live credentials
/// of the [`MemCredentialStore`] it was built on, as PostgreSQL joins the two tables.
#[derive(Debug, Clone)]
pub struct MemSubscriberProfiles {
    credentials: Arc<MemCredentialStore>,
    profiles: Arc<RwLock<HashMap<(OrgId, Uuid), SubscriberProfile>>>,
}

impl MemSubscriberProfiles {
    /// Profiles of the credentials of `credentials`.
    pub fn new(credentials: Arc<MemCredentialStore>) -> Self {
        Self {
            credentials,
            profiles: Arc::default(),
        }
    }

    /// The live credentials of `org` that `query` selects, oldest first (or newest first),
    /// before `offset` and `limit`.
    fn select(&self, org: &OrgId, query: &SubscriberQuery) -> Vec<Uuid> {
        let live = self.credentials.live_of(org);
        let names: HashMap<Uuid, String> = {
            let profiles = read(&self.profiles);
            live.iter()
                .filter_map(|(id, _, _)| {
                    let profile = profiles.get(&(org.clone(), *id))?;
                    Some((*id, profile.name.clone()))
                })
                .collect()
        };
        let mut found: Vec<(Timestamp, Uuid)> = live
            .into_iter()
            .filter(|(id, username, _)| {
                let name = names.get(id).map_or("", String::as_str);
                query.select.as_ref().is_none_or(|ids| ids.contains(id))
                    && contains(username, query.email_search.as_deref())
                    && contains(name, query.name_search.as_deref())
            })
            .map(|(id, _, created)| (created, id))
            .collect();
        found.sort_unstable();
        if query.newest {
            found.reverse();
        }
        found.into_iter().map(|(_, id)| id).collect()
    }
}

/// Whether `haystack` contains `needle`, ignoring case; no needle matches everything.
fn contains(haystack: &str, needle: Option<&str>) -> bool {
    needle.is_none_or(|n| haystack.to_lowercase().contains(&n.to_lowercase()))
}

#[async_trait]
impl SubscriberProfileStore for MemSubscriberProfiles {
    async fn get(
        &self,
        org: &OrgId,
        credential: Uuid,
    ) -> Result<Option<SubscriberProfile>, StoreError> {
        Ok(read(&self.profiles)
            .get(&(org.clone(), credential))
            .cloned())
    }

    async fn put(&self, org: &OrgId, profile: SubscriberProfile) -> Result<(), StoreError> {
        // The credential's row must exist (a foreign key on PostgreSQL).
        if !self.credentials.has(org, profile.credential) {
            return Err(StoreError::NotFound);
        }
        let mut profiles = write(&self.profiles);
        // One profile per sign-up (a unique index on PostgreSQL).
        if let Some(signup) = &profile.signup {
            let taken = profiles.iter().any(|((o, id), p)| {
                o == org
                    && *id != profile.credential
                    && p.signup.as_ref().is_some_and(|s| s.uuid == signup.uuid)
            });
            if taken {
                return Err(StoreError::Conflict);
            }
        }
        profiles.insert((org.clone(), profile.credential), profile);
        Ok(())
    }

    async fn delete(&self, org: &OrgId, credential: Uuid) -> Result<(), StoreError> {
        write(&self.profiles).remove(&(org.clone(), credential));
        Ok(())
    }

    async fn find_by_signup(&self, org: &OrgId, signup: Uuid) -> Result<Option<Uuid>, StoreError> {
        Ok(read(&self.profiles)
            .iter()
            .find(|((o, _), p)| o == org && p.signup.as_ref().is_some_and(|s| s.uuid == signup))
            .map(|((_, id), _)| *id))
    }

    async fn list(&self, org: &OrgId, query: &SubscriberQuery) -> Result<Vec<Uuid>, StoreError> {
        let skip = usize::try_from(query.offset).unwrap_or(usize::MAX);
        let take = query
            .limit
            .map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
        Ok(self
            .select(org, query)
            .into_iter()
            .skip(skip)
            .take(take)
            .collect())
    }

    async fn count(&self, org: &OrgId, query: &SubscriberQuery) -> Result<u64, StoreError> {
        Ok(self.select(org, query).len() as u64)
    }
}
