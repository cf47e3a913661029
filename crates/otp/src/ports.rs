//! The ports of the second-factor domain. Every adapter runs the contract suites of
//! `latchkey-testkit`, which check exactly the sentences below.

use async_trait::async_trait;
use latchkey_core::{BoxError, OrgId, SecretHash, StoreError, Timestamp};
use std::fmt;
use time::Duration;
use uuid::Uuid;

/// What [`OtpStore::issue`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Issue {
    /// The code is stored (replacing any earlier one of the key).
    Issued,
    /// A code was issued for the key less than the resend interval ago; nothing changed.
    TooSoon { retry_after: Duration },
}

/// What [`OtpStore::redeem`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Redeem {
    /// The code matched; it is gone (single use).
    Accepted,
    /// Wrong code; `tries_left` more wrong tries burn it.
    Mismatch { tries_left: u32 },
    /// Wrong code, and the last try: the code is gone.
    Burnt,
    /// No live code for the key (never sent, expired, used or burnt).
    Missing,
}

/// Short-lived second-factor state, shared by every server instance (Redis in production).
/// Keys are opaque strings; adapters may prefix them.
#[async_trait]
pub trait OtpStore: Send + Sync + std::fmt::Debug {
    /// Stores `hash` as the live code of `key` for `ttl`, with no wrong tries yet, replacing any
    /// earlier code of `key`; unless a code was issued for `key` less than `resend_after` ago:
    /// then MUST answer `TooSoon` with the time left and change nothing. Atomic: of concurrent
    /// calls for one key, exactly one is `Issued`.
    async fn issue(
        &self,
        key: &str,
        hash: &SecretHash,
        ttl: Duration,
        resend_after: Duration,
    ) -> Result<Issue, StoreError>;

    /// Checks `candidate` against the live code of `key`: `Accepted` (and the code is removed)
    /// when equal; otherwise counts a wrong try and answers `Mismatch` with the tries left, or
    /// `Burnt` (and removes the code) at the `max_attempts`-th wrong try; `Missing` when there is
    /// no live code. Atomic: of concurrent calls with the right code exactly one is `Accepted`,
    /// and no more than `max_attempts` wrong tries are ever counted.
    async fn redeem(
        &self,
        key: &str,
        candidate: &SecretHash,
        max_attempts: u32,
    ) -> Result<Redeem, StoreError>;

    /// Removes the code of `key` and its resend interval (a code whose message was not
    /// delivered): afterwards `redeem` is `Missing` and `issue` is `Issued`.
    async fn withdraw(&self, key: &str) -> Result<(), StoreError>;

    /// Accepts TOTP step `step` for `key` when it is later than every step accepted before
    /// for `key` (remembered for `ttl` after the last acceptance): `true`, and it becomes the
    /// last one; `false` otherwise (a replay). Atomic: of concurrent calls with one step,
    /// exactly one gets `true`.
    async fn accept_step(&self, key: &str, step: u64, ttl: Duration) -> Result<bool, StoreError>;
}

/// A TOTP secret encrypted at rest (AEAD ciphertext with its nonce, as the cipher lays it out).
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret(pub Vec<u8>);

impl fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedSecret({} bytes)", self.0.len())
    }
}

/// A sealed TOTP secret and when it entered its state (created, for a pending secret;
/// activated, for the active one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredSecret {
    pub sealed: SealedSecret,
    pub at: Timestamp,
}

/// A credential's TOTP enrollment: the secret its authenticator app has proved it holds, and a
/// newer secret waiting for its first valid code. Enrolling again leaves the active secret
/// working until the new one is proved, so a customer is never locked out half-way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpEnrollment {
    pub active: Option<StoredSecret>,
    pub pending: Option<StoredSecret>,
}

/// Where TOTP enrollments live, per tenant, one per credential. They are keyed by the
/// credential's id, not its username: a username deleted and created again is a new credential,
/// which must not inherit the old one's authenticator.
#[async_trait]
pub trait TotpStore: Send + Sync + std::fmt::Debug {
    /// The enrollment of `credential` in `org`; `Ok(None)` when it has neither an active nor a
    /// pending secret.
    async fn get(
        &self,
        org: &OrgId,
        credential: Uuid,
    ) -> Result<Option<TotpEnrollment>, StoreError>;

    /// Makes `secret` the pending secret of `credential` (created at `at`), replacing any
    /// earlier pending one and leaving the active one as it is.
    async fn put_pending(
        &self,
        org: &OrgId,
        credential: Uuid,
        secret: SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Makes the pending secret the active one (activated at `at`; the old active one is gone),
    /// if the pending secret is still `secret` (a newer enrollment is left alone). MUST fail with
    /// `StoreError::NotFound` when `credential` has no pending secret equal to `secret`.
    async fn activate(
        &self,
        org: &OrgId,
        credential: Uuid,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Removes the enrollment of `credential`, if any.
    async fn delete(&self, org: &OrgId, credential: Uuid) -> Result<(), StoreError>;
}

/// Encrypts secrets at rest with a key from configuration (AEAD). Sealed secrets are stored: what
/// one instance sealed MUST open with another instance of the same key (after a restart).
pub trait SecretCipher: Send + Sync + std::fmt::Debug {
    /// Encrypts `plain`, bound to `context` (e.g. `org/username`: a ciphertext moved to another
    /// row does not decrypt). The sealed secret does not reveal `plain`, and sealing the same
    /// `plain` again gives a different sealed secret (a fresh nonce each time).
    fn seal(&self, plain: &[u8], context: &[u8]) -> Result<SealedSecret, BoxError>;

    /// Decrypts what [`SecretCipher::seal`] made with the same key and `context`, giving `plain`
    /// back. MUST fail on anything else: another context, another key, a sealed secret changed
    /// in any byte or cut short.
    fn open(&self, sealed: &SealedSecret, context: &[u8]) -> Result<Vec<u8>, BoxError>;
}

/// Where operators' TOTP enrollments live (the `public` schema): the sibling of [`TotpStore`]
/// for holders outside any tenant, with the same contract per operator.
#[async_trait]
pub trait OperatorTotpStore: Send + Sync + fmt::Debug {
    /// The enrollment of `operator`; `Ok(None)` when it has neither an active nor a pending
    /// secret.
    async fn get(&self, operator: Uuid) -> Result<Option<crate::TotpEnrollment>, StoreError>;

    /// Makes `secret` the pending secret of `operator` (created at `at`), replacing any
    /// earlier pending one and leaving the active one as it is.
    async fn put_pending(
        &self,
        operator: Uuid,
        secret: SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Makes the pending secret the active one (activated at `at`; the old active one is gone),
    /// if the pending secret is still `secret`. MUST fail with `StoreError::NotFound` when
    /// `operator` has no pending secret equal to `secret`.
    async fn activate(
        &self,
        operator: Uuid,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError>;

    /// Removes the enrollment of `operator`, if any.
    async fn delete(&self, operator: Uuid) -> Result<(), StoreError>;
}
