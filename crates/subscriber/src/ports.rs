//! Where subscribers' profiles, avatars and preferences live.

use crate::{Avatar, Holder, Preferences, SubscriberProfile};
use async_trait::async_trait;
use latchkey_core::{OrgId, StoreError};
use uuid::Uuid;

/// Which subscribers a listing selects (`GET /subusers`): live credentials of one tenant.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SubscriberQuery {
    /// Entries to skip.
    pub offset: u64,
    /// The most entries; `None`: all.
    pub limit: Option<u64>,
    /// Only these credentials (`select`); `None`: any.
    pub select: Option<Vec<Uuid>>,
    /// Case-insensitive substring of the profile's name.
    pub name_search: Option<String>,
    /// Case-insensitive substring of the username.
    pub email_search: Option<String>,
    /// Newest first (by the credential's creation); otherwise oldest first.
    pub newest: bool,
}

/// The profiles kept beside the credentials, in each tenant's schema.
#[async_trait]
pub trait SubscriberProfileStore: Send + Sync + std::fmt::Debug {
    /// The profile of `credential`; `None` when none was ever written.
    async fn get(
        &self,
        org: &OrgId,
        credential: Uuid,
    ) -> Result<Option<SubscriberProfile>, StoreError>;

    /// Creates or replaces the profile of `profile.credential`.
    async fn put(&self, org: &OrgId, profile: SubscriberProfile) -> Result<(), StoreError>;

    /// Removes the profile of `credential`, if any.
    async fn delete(&self, org: &OrgId, credential: Uuid) -> Result<(), StoreError>;

    /// The credential whose profile holds the sign-up `signup`, if any.
    async fn find_by_signup(&self, org: &OrgId, signup: Uuid) -> Result<Option<Uuid>, StoreError>;

    /// The ids of the live (not deleted) credentials of `org` that `query` selects, in its
    /// order, joined with their profiles for `name_search`.
    async fn list(&self, org: &OrgId, query: &SubscriberQuery) -> Result<Vec<Uuid>, StoreError>;

    /// How many live credentials `query` selects, ignoring `offset` and `limit`.
    async fn count(&self, org: &OrgId, query: &SubscriberQuery) -> Result<u64, StoreError>;
}

/// Avatars of operators (`public` schema) and subscribers (their tenant's schema).
#[async_trait]
pub trait AvatarStore: Send + Sync + std::fmt::Debug {
    async fn get(&self, holder: &Holder) -> Result<Option<Avatar>, StoreError>;
    /// Creates or replaces the holder's avatar.
    async fn put(&self, holder: &Holder, avatar: Avatar) -> Result<(), StoreError>;
    /// Removes it; `true` when there was one.
    async fn delete(&self, holder: &Holder) -> Result<bool, StoreError>;
}

/// Preferences of operators (`public` schema) and subscribers (their tenant's schema).
#[async_trait]
pub trait PreferenceStore: Send + Sync + std::fmt::Debug {
    async fn get(&self, holder: &Holder) -> Result<Option<Preferences>, StoreError>;
    /// Replaces the holder's preferences.
    async fn put(&self, holder: &Holder, preferences: Preferences) -> Result<(), StoreError>;
    /// Removes them (an operator or subscriber deleted).
    async fn delete(&self, holder: &Holder) -> Result<(), StoreError>;
}
