//! The storage ports of operators. Every adapter runs the contract suites of
//! `latchkey-testkit`, which check exactly the sentences below.

use crate::{ApiKey, Operator, OperatorEmail, OperatorQuery, OperatorSession};
use async_trait::async_trait;
use latchkey_core::{SecretHash, StoreError, Timestamp};
use uuid::Uuid;

/// What a write of [`OperatorStore`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    /// Written.
    Done,
    /// No operator has that id: nothing changed.
    Missing,
    /// Another operator has that e-mail (compared in lower case): nothing changed.
    EmailTaken,
    /// It would leave no live root (a `root` that is not suspended) where there was one:
    /// nothing changed.
    LastRoot,
}

/// Where operators live (the `public` schema).
#[async_trait]
pub trait OperatorStore: Send + Sync + std::fmt::Debug {
    /// Stores a new operator: `Done`, or `EmailTaken` (nothing stored). MUST fail with
    /// `Conflict` when an operator has that id.
    async fn insert(&self, operator: &Operator) -> Result<Write, StoreError>;

    /// The operator with that id; `Ok(None)` when there is none.
    async fn get(&self, id: Uuid) -> Result<Option<Operator>, StoreError>;

    /// The operator with that e-mail; `Ok(None)` when there is none.
    async fn by_email(&self, email: &OperatorEmail) -> Result<Option<Operator>, StoreError>;

    /// Replaces the operator of `operator.id` with `operator`, every field as given: `Done`,
    /// `Missing`, `EmailTaken`, or `LastRoot` when it is the last live root and would stop
    /// being one (another role, or suspended). Atomic with respect to other writes: two
    /// concurrent writes never together leave no live root.
    async fn update(&self, operator: &Operator) -> Result<Write, StoreError>;

    /// Sets `last_login` of the operator (nothing else changes, `modified` neither). Answers
    /// whether there is such an operator.
    async fn record_login(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError>;

    /// Removes the operator with its API keys and its sessions, at once: `Done`, `Missing`, or
    /// `LastRoot` when it is the last live root. Atomic as [`OperatorStore::update`].
    async fn delete(&self, id: Uuid) -> Result<Write, StoreError>;

    /// The operators `query` selects, in its order (by `created`, then `id`), after skipping
    /// `offset` and at most `limit` of them.
    async fn list(&self, query: &OperatorQuery) -> Result<Vec<Operator>, StoreError>;

    /// How many operators `query` selects, ignoring `offset` and `limit`.
    async fn count(&self, query: &OperatorQuery) -> Result<u64, StoreError>;
}

/// Where operators' API keys live (the `public` schema). Only hashes of the secrets.
#[async_trait]
pub trait ApiKeyStore: Send + Sync + std::fmt::Debug {
    /// Stores a new key. MUST fail with `NotFound` when its operator does not exist, and with
    /// `Conflict` when the id is taken or the operator has a key of that name.
    async fn insert(&self, key: &ApiKey) -> Result<(), StoreError>;

    /// The keys of `operator`, oldest first (by `created`, then `id`), expired ones included.
    async fn list(&self, operator: Uuid) -> Result<Vec<ApiKey>, StoreError>;

    /// The key whose secret hashes to `hash`, expired or not; `Ok(None)` when none does.
    async fn by_hash(&self, hash: &SecretHash) -> Result<Option<ApiKey>, StoreError>;

    /// Removes the key `id` of `operator`; answers whether there was one (another operator's
    /// key is not removed).
    async fn delete(&self, operator: Uuid, id: Uuid) -> Result<bool, StoreError>;

    /// Sets `last_use` of the key (nothing else changes). Answers whether there is such a key.
    async fn touch(&self, id: Uuid, at: Timestamp) -> Result<bool, StoreError>;

    /// Sets the description of the key `id` of `operator` (nothing else changes) and answers
    /// the key as it is now; `Ok(None)` when `operator` has no such key (another operator's key
    /// is not changed).
    async fn describe(
        &self,
        operator: Uuid,
        id: Uuid,
        description: &str,
    ) -> Result<Option<ApiKey>, StoreError>;
}

/// What [`OperatorSessionStore::rotate`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rotation {
    /// The refresh token was replaced: the session as it is now.
    Rotated(OperatorSession),
    /// No session has that refresh token (never issued, already rotated, signed out) or it
    /// expired at `now`: nothing changed.
    Refused,
}

/// Where operators' sign-in sessions live (the `public` schema).
#[async_trait]
pub trait OperatorSessionStore: Send + Sync + std::fmt::Debug {
    /// Stores a new session. MUST fail with `NotFound` when its operator does not exist, and
    /// with `Conflict` when the id is taken.
    async fn insert(&self, session: &OperatorSession) -> Result<(), StoreError>;

    /// The session with that id, expired or not; `Ok(None)` when there is none.
    async fn get(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError>;

    /// When a session's refresh token hashes to `presented` and the session's `expires` is
    /// after `now`: replaces it with `replacement`, sets the session's `access_jti`,
    /// `access_expires` and `last_refresh` (= `now`), and answers the session as it is now.
    /// Otherwise `Refused`. Atomic: of concurrent calls presenting one token, exactly one is
    /// `Rotated`.
    async fn rotate(
        &self,
        presented: &SecretHash,
        replacement: &SecretHash,
        access_jti: Uuid,
        access_expires: Timestamp,
        now: Timestamp,
    ) -> Result<Rotation, StoreError>;

    /// Removes the session with that id and answers it; `Ok(None)` when there was none.
    async fn delete(&self, id: Uuid) -> Result<Option<OperatorSession>, StoreError>;

    /// Removes every session of `operator` and answers them.
    async fn delete_all(&self, operator: Uuid) -> Result<Vec<OperatorSession>, StoreError>;
}
