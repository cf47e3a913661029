//! The ports of the token domain. Every adapter runs the contract suite of `latchkey-testkit`.

use crate::{AccessClaims, SigningAlgorithm, SigningKey, VerifyError};
use async_trait::async_trait;
use latchkey_core::{BoxError, StoreError, Timestamp};
use uuid::Uuid;

/// Whose tokens a revocation takes at once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TokensOf {
    /// Every token whose `sub` is this (a customer's credential id).
    Subject(String),
    /// Every token whose `client_id` is this (service tokens and its customers' tokens).
    Client(String),
}

/// Access tokens revoked before their expiry: one by its `jti` (RFC 7009), or every token of a
/// subject or a client issued until a moment. Durable and shared by every server instance
/// (PostgreSQL): an instance that never heard of a revocation still refuses what it names.
#[async_trait]
pub trait RevokedTokens: Send + Sync + std::fmt::Debug {
    /// Remembers `jti` as revoked until `expires_at` (the token's own expiry). Revoking a `jti`
    /// twice is fine (the later expiry is kept).
    async fn revoke(&self, jti: Uuid, expires_at: Timestamp) -> Result<(), StoreError>;

    /// Remembers that every token of `whose` issued at or before `at` is revoked, until
    /// `until` (when the last of them has expired). Revoking again is fine: the later `at` and
    /// the later `until` are kept.
    async fn revoke_all(
        &self,
        whose: &TokensOf,
        at: Timestamp,
        until: Timestamp,
    ) -> Result<(), StoreError>;

    /// Whether the token of `claims` is revoked at `now`: its `jti` was revoked with an expiry
    /// after `now`, or its subject or its client was revoked at or after its `iat`, with an
    /// `until` after `now`. A token issued after the revocation of its subject or client (a
    /// later second) is not revoked by it.
    async fn is_revoked(&self, claims: &AccessClaims, now: Timestamp) -> Result<bool, StoreError>;
}

/// Where the JWT signing keys live.
#[async_trait]
pub trait SigningKeyStore: Send + Sync + std::fmt::Debug {
    /// Stores a key. MUST fail with `StoreError::Conflict` when the `kid` is taken.
    async fn insert(&self, key: SigningKey) -> Result<(), StoreError>;

    /// Every key, oldest first (ordered by `created_at`, then `kid`).
    async fn list(&self) -> Result<Vec<SigningKey>, StoreError>;

    /// Removes a key. MUST fail with `StoreError::NotFound` when no key has that `kid`.
    async fn remove(&self, kid: &str) -> Result<(), StoreError>;
}

/// Makes new key pairs.
pub trait KeyGenerator: Send + Sync + std::fmt::Debug {
    /// A fresh private key for `algorithm`, as PKCS#8 DER.
    fn generate(&self, algorithm: SigningAlgorithm) -> Result<Vec<u8>, BoxError>;
}

/// Signs and verifies access tokens (JWTs) with the loaded key ring. Access tokens are ES256;
/// the ring's RS256 keys sign only ID tokens (`IdTokenSigner`), but are published too.
pub trait AccessTokenCodec: Send + Sync + std::fmt::Debug {
    /// Replaces the key ring with `keys`, oldest first (as `SigningKeyStore::list` gives them):
    /// the newest ES256 key signs, every ES256 key of `keys` verifies, and a key no longer in
    /// the ring verifies nothing. MUST fail, leaving the ring as it was, when a key's private
    /// part is not a key of its algorithm.
    fn load(&self, keys: &[SigningKey]) -> Result<(), BoxError>;

    /// Signs `claims` with the active key (the newest ES256 key of the ring), header `typ`
    /// `at+jwt` (RFC 9068 §2.1), the signature in its low-S form (`s` at most half the group
    /// order). MUST fail when the ring holds no ES256 key.
    fn sign(&self, claims: &AccessClaims) -> Result<String, BoxError>;

    /// Checks the signature, the issuer and the audience, and decodes the claims: a token this
    /// codec signed with its own issuer and audience verifies to the very claims signed. MUST
    /// NOT check expiry: the caller does, with its clock. MUST refuse with
    /// `VerifyError::Malformed` what is not a compact JWS, with `VerifyError::UnknownKey` a token
    /// whose `kid` is not in the ring, with `VerifyError::BadSignature` one whose signature does
    /// not verify with the ring's key of that `kid` (signed by another key, or changed), and
    /// with `VerifyError::WrongAudience` one whose issuer or audience is not this codec's. MUST
    /// refuse with `VerifyError::WrongType` one whose header's `typ` is not `at+jwt` (RFC 9068
    /// §4: an ID token is not an access token), and with `VerifyError::BadSignature` the
    /// high-S twin of a signature (ECDSA malleability: one token, one accepted text).
    fn verify(&self, token: &str) -> Result<AccessClaims, VerifyError>;

    /// The public keys of the loaded ring as a JWK Set (RFC 7517): `{"keys": [...]}`, one JWK
    /// per loaded key, ES256 and RS256 alike (clients verify ID tokens with the RS256 ones), in
    /// the ring's order, each with its `kid` and `alg` and without its private part.
    fn jwks(&self) -> serde_json::Value;
}
