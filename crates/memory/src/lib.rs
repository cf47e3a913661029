//! In-memory adapters for every port: the dev-mode default (data is lost on exit) and the
//! unit-test double. They run the same contract suites (`latchkey-testkit`) as the PostgreSQL
//! and Redis adapters, so they cannot drift from them. Dev mode's outbox is here too:
//! [`ConsoleNotifier`] prints messages instead of sending them.
//!
//! Locks are `std` locks held only for the few instructions of each operation, never across an
//! `.await`.

mod console;
mod credential;
mod device;
mod ephemeral;
mod notify;
mod operator;
mod operator_totp;
mod otp;
mod rate;
mod revocation;
mod subscriber;
mod subscriber_media;
mod tenancy;
mod token;
mod totp_records;

pub use console::ConsoleNotifier;
pub use credential::MemCredentialStore;
pub use device::MemDeviceStore;
pub use ephemeral::MemEphemeralStore;
pub use notify::MemNotifier;
pub use operator::MemOperators;
pub use operator_totp::MemOperatorTotpStore;
pub use otp::{MemOtpStore, MemTotpStore};
pub use rate::MemRateLimiter;
pub use revocation::{MemRevocations, MemRevokedTokens};
pub use subscriber::MemSubscriberProfiles;
pub use subscriber_media::{MemAvatars, MemPreferences};
pub use tenancy::{MemClientRegistry, MemTenantDirectory};
pub use token::{MemSecurityTokenStore, MemSigningKeyStore};

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Reads through a lock; a poisoned lock still holds consistent data here, since every
/// critical section is a plain map operation.
fn read<T>(lock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    lock.read().unwrap_or_else(PoisonError::into_inner)
}

fn write<T>(lock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    lock.write().unwrap_or_else(PoisonError::into_inner)
}
