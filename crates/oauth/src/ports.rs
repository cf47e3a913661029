//! The storage port of the login server's short-lived state. Every adapter runs the contract
//! suite of `latchkey-testkit`, which checks exactly the sentences below.

use async_trait::async_trait;
use latchkey_core::StoreError;
use time::Duration;

/// `<kind>:<hex of SHA-256(secret)>`: the key of a record that a secret names (a code, an
/// `auth_req_id`, a consent token). The secret itself is never stored.
pub fn secret_key(kind: &str, secret: &str) -> String {
    format!(
        "{kind}:{}",
        latchkey_core::SecretHash::of(secret.as_bytes()).to_hex()
    )
}

/// Short-lived records by key, shared by every server instance (Redis in production): logins
/// in progress, authorization codes, CIBA requests. Keys are opaque strings; adapters may
/// prefix them. A record past its time to live MUST read as absent.
#[async_trait]
pub trait EphemeralStore: Send + Sync + std::fmt::Debug {
    /// Stores `value` under `key` for `ttl`, replacing any earlier record.
    async fn put(&self, key: &str, value: &[u8], ttl: Duration) -> Result<(), StoreError>;

    /// Stores `value` under `key` for `ttl` unless a live record has that key: then MUST
    /// change nothing and answer `false`. Atomic: of concurrent calls, exactly one is `true`.
    async fn put_new(&self, key: &str, value: &[u8], ttl: Duration) -> Result<bool, StoreError>;

    /// The live record of `key`, if any.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// The live records of `keys`, in their order (`None` for each absent one), as `get` would
    /// answer them, in one request where the store allows.
    async fn get_many(&self, keys: &[&str]) -> Result<Vec<Option<Vec<u8>>>, StoreError> {
        let mut found = Vec::with_capacity(keys.len());
        for key in keys {
            found.push(self.get(key).await?);
        }
        Ok(found)
    }

    /// Removes the record and returns it, atomically: of concurrent callers exactly one gets
    /// `Some`.
    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;

    /// Removes the record, if any.
    async fn delete(&self, key: &str) -> Result<(), StoreError>;

    /// Adds one to the counter `key` (zero when absent or expired) and answers the new value;
    /// the counter then lives `ttl` from this call. Atomic: `n` concurrent calls add `n`. A
    /// counter reads through `get` as its decimal digits.
    async fn increment(&self, key: &str, ttl: Duration) -> Result<u64, StoreError>;
}

/// Signs ID tokens (OpenID Connect Core §2) with the server's keys: RS256, which every client
/// library must support, or ES256; and reads back the ones it signed (an `id_token_hint`).
pub trait IdTokenSigner: Send + Sync + std::fmt::Debug {
    /// A compact JWS (RFC 7515 §7.1) of `claims` with the active key of `alg` (the newest key of
    /// that algorithm): its header names `alg` and the key's `kid`, its payload is `claims` as
    /// given, and its signature verifies with that key's public part and with no other key.
    /// MUST fail when no key of `alg` is loaded.
    fn sign_id_token(
        &self,
        alg: latchkey_tenancy::IdTokenAlg,
        claims: &serde_json::Value,
    ) -> Result<String, latchkey_core::BoxError>;

    /// The claims of `token` when it is an ID token signed by a key of the ring (either
    /// algorithm; an older key still loaded too) whose `iss` is `issuer`: a compact JWS whose
    /// header names that key's `kid` and its algorithm, and whose signature verifies with it.
    /// Its expiry is not checked (RP-Initiated Logout 1.0 §2 accepts an expired
    /// `id_token_hint`). MUST fail for a key not loaded, a changed header, payload or
    /// signature, another `iss`, an access token (header `typ` `at+jwt`), and anything that is
    /// not a compact JWS.
    fn verify_id_token(
        &self,
        token: &str,
        issuer: &str,
    ) -> Result<serde_json::Value, latchkey_core::BoxError>;
}
