//! Revocations: whatever takes access away must reach every cache that trusted it.
//!
//! The revocation itself is durable before it is announced (a revoked `jti` is stored, a
//! deleted client is gone from the registry); announcing it only tells the caches of verified
//! tokens to stop trusting what they hold, at once instead of when their entries age out.

use uuid::Uuid;

/// What was taken away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// Every access token of this subject: a deleted client, or the customer whose replayed
    /// authorization code revoked what it had issued.
    Subject(String),
    /// One access token, by its `jti` (RFC 7009).
    Token(Uuid),
    /// Every access token: a signing key was removed, so some tokens no longer verify.
    Everything,
}

/// Hears revocations (a cache of verified tokens forgets what each one names).
pub trait Revocations: Send + Sync + std::fmt::Debug {
    /// Takes `revocation` into account before returning: the next check of a token it names
    /// does not trust an earlier verification.
    fn revoked(&self, revocation: &Revocation);
}
