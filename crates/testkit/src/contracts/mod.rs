//! One contract suite per port. Each suite is a module of `pub async fn` checks (`pub fn` for
//! the synchronous crypto ports), each named after the behaviour it checks and taking a fresh,
//! empty store, plus a `run` function that runs every check of the module, each on a new store
//! from the adapter's factory:
//!
//! ```text
//! #[tokio::test]
//! async fn tenant_directory_contract() {
//!     contracts::tenant_directory::run(|| async { MemTenantDirectory::default() }).await;
//! }
//! ```
//!
//! A PostgreSQL factory creates a fresh schema per call, so no check sees another's rows. Checks
//! panic with a message saying which sentence of the port's contract was broken.
//!
//! The crypto suites (`password_hasher`, `access_token_codec`, `id_token_signer`,
//! `secret_cipher`) take what testkit cannot make without a crypto library from the caller: key
//! material (a `KeyGenerator`) and, for ID tokens, an independent signature check.
//!
//! `security_token_store::run` needs a multi-thread runtime
//! (`#[tokio::test(flavor = "multi_thread")]`): its `take` race is meaningless without parallel
//! tasks, and it says so rather than pass vacuously. So do `operator_store::run` (its last-root
//! races) and `operator_session_store::run` (its rotation race).
//!
//! The three operator suites (`operator_store`, `api_key_store`, `operator_session_store`) take
//! a factory of [`operator_store::OperatorStores`]: the three ports are the tables of one
//! schema, and a deleted operator takes its keys and sessions.
//!
//! `subscriber_store` checks the three subscriber ports (`SubscriberProfileStore`,
//! `AvatarStore`, `PreferenceStore`) together, beside the credential and operator stores of the
//! same storage ([`subscriber_store::SubscriberStores`]): profiles describe credentials, and
//! avatars and preferences belong to credentials and operators.

pub mod access_token_codec;
pub mod api_key_store;
pub mod client_registry;
pub mod credential_store;
pub mod device_store;
pub mod ephemeral_store;
pub mod id_token_signer;
pub mod operator_session_store;
pub mod operator_store;
pub mod operator_totp_store;
pub mod otp_store;
pub mod password_hasher;
pub mod rate_limiter;
pub mod revocations;
pub mod revoked_tokens;
pub mod secret_cipher;
pub mod security_token_store;
pub mod signing_key_store;
pub mod subscriber_store;
pub mod tenant_directory;
pub mod tenant_sessions;
pub mod totp_store;

use latchkey_core::StoreError;
use std::fmt::Debug;

/// Names the check about to run on stderr, which the test harness shows only when a test fails:
/// the failing check is the last one named.
fn begin(port: &str, check: &str) {
    eprintln!("contract {port}: {check}");
}

/// Asserts that `result` is `Ok` and returns the value.
#[track_caller]
fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: expected Ok, got Err({e:?})"),
    }
}

/// Asserts that `result` is `Err(StoreError::Conflict)`.
#[track_caller]
fn assert_conflict<T: Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::Conflict) => {}
        other => panic!("{what}: expected Err(StoreError::Conflict), got {other:?}"),
    }
}

/// Asserts that `result` is `Err(StoreError::NotFound)`.
#[track_caller]
fn assert_not_found<T: Debug>(result: Result<T, StoreError>, what: &str) {
    match result {
        Err(StoreError::NotFound) => {}
        other => panic!("{what}: expected Err(StoreError::NotFound), got {other:?}"),
    }
}
