//! The ports of the credential domain. Every adapter runs the contract suite of
//! `latchkey-testkit`, which checks exactly the sentences below.

use crate::{Credential, Password, PasswordHash, SecurityToken, TokenPurpose, Username};
use async_trait::async_trait;
use latchkey_core::{BoxError, OrgId, StoreError};
use uuid::Uuid;

/// Where credentials live, per tenant. A credential is *live* until it is soft-deleted
/// (`deleted_at` set); at most one live credential per username and org.
#[async_trait]
pub trait CredentialStore: Send + Sync + std::fmt::Debug {
    /// The live credential of `org` with that username; `Ok(None)` when there is none.
    async fn find(
        &self,
        org: &OrgId,
        username: &Username,
    ) -> Result<Option<Credential>, StoreError>;

    /// The live credential of `org` with that id; `Ok(None)` when there is none (never, or no
    /// longer, live).
    async fn find_by_id(&self, org: &OrgId, id: Uuid) -> Result<Option<Credential>, StoreError>;

    /// Adds a credential. MUST fail with `StoreError::Conflict` when `org` already has a live
    /// credential with that username (deleted ones do not count).
    async fn insert(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError>;

    /// Replaces the live credential of `org` that has `credential.id`. MUST fail with
    /// `StoreError::NotFound` when there is none. Storing it with `deleted_at` set makes it
    /// no longer live. Storing it disabled or deleted MUST also end its device sessions (its
    /// devices and their refresh tokens, of the device store of the same tenant), in the same
    /// atomic step: a credential that cannot sign in keeps no session, and a failure leaves
    /// both as they were. Callers never change the username through `update` (a new username
    /// is a new credential), so adapters need not re-check uniqueness here.
    async fn update(&self, org: &OrgId, credential: Credential) -> Result<(), StoreError>;

    /// Replaces the live credential as [`CredentialStore::update`] does, and ends every device
    /// session of it (its devices and their refresh tokens) but the one with the id `keep`, in
    /// the same atomic step: a password set anew leaves no other session opened before it.
    /// MUST fail with `StoreError::NotFound` when there is none, and a failure leaves both as
    /// they were.
    async fn update_ending_sessions(
        &self,
        org: &OrgId,
        credential: Credential,
        keep: Option<Uuid>,
    ) -> Result<(), StoreError>;

    /// Atomically replaces the live credential `removed.id` of `from` by `removed` (a soft-deleted
    /// version), ends its device sessions in `from`, and inserts `moved` into `to`: all happen
    /// or none does. MUST fail with `StoreError::NotFound` when `from` has no live credential
    /// with `removed.id`, and with `StoreError::Conflict` when `to` already has a live
    /// credential with `moved`'s username.
    async fn move_credential(
        &self,
        from: &OrgId,
        removed: Credential,
        to: &OrgId,
        moved: Credential,
    ) -> Result<(), StoreError>;

    /// The live credentials with that username in each of `orgs`, in the order of `orgs`.
    async fn discover(
        &self,
        orgs: &[OrgId],
        username: &Username,
    ) -> Result<Vec<(OrgId, Credential)>, StoreError>;
}

/// Hashes and verifies passwords (argon2id in production). Hashes are stored: a hash made by
/// one instance of the hasher MUST verify with another instance built alike (after a restart, on
/// another server).
#[async_trait]
pub trait PasswordHasher: Send + Sync + std::fmt::Debug {
    /// A new salted hash of `password`. It does not contain the password, and hashing the same
    /// password again gives a different hash (a fresh salt); each of them verifies.
    async fn hash(&self, password: &Password) -> Result<PasswordHash, BoxError>;

    /// `Ok(true)` when `hash` is a hash of exactly this `password` (case and spaces count),
    /// `Ok(false)` for any other password. MUST fail with `Err` when `hash` is not a hash this
    /// hasher can read: a corrupt stored hash is a fault, not a wrong password.
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> Result<bool, BoxError>;
}

/// Where security tokens live (per tenant). Only hashes of their secrets are stored.
#[async_trait]
pub trait SecurityTokenStore: Send + Sync + std::fmt::Debug {
    /// Stores a new token. MUST fail with `StoreError::Conflict` when `org` already holds a token
    /// with that id.
    async fn insert(&self, org: &OrgId, token: SecurityToken) -> Result<(), StoreError>;

    /// Returns `Ok(None)` when `org` holds no token with that id.
    async fn get(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError>;

    /// Removes the token and returns it, atomically: of concurrent callers, exactly one gets
    /// `Some`. Returns `Ok(None)` when there is no such token.
    async fn take(&self, org: &OrgId, id: Uuid) -> Result<Option<SecurityToken>, StoreError>;

    /// Removes every token of `org` issued for `subject` with one of `purposes`; returns how many.
    async fn delete_for_subject(
        &self,
        org: &OrgId,
        subject: &str,
        purposes: &[TokenPurpose],
    ) -> Result<u64, StoreError>;
}
