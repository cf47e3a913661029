//! What every Latchkey domain shares: organisation ids, the `Clock` and `SecureRandom` ports,
//! secret wrappers that never print, one-way hashes of high-entropy secrets, the rate-limit rule
//! and its `RateLimiter` port, the `Revocations` port that tells caches when access is taken
//! away, and the error every storage port reports.
//!
//! This crate performs no I/O and must not depend on any framework, database or runtime: it is
//! at the centre of the dependency graph (see `ARCHITECTURE.md`).

mod clock;
mod error;
mod org;
mod random;
mod rate;
mod revocation;
mod secret;
#[cfg(feature = "testing")]
pub mod testing;

pub use clock::{Clock, Timestamp};
pub use error::{BoxError, StoreError};
pub use org::{OrgId, OrgIdError};
pub use random::SecureRandom;
pub use rate::{Rate, RateError, RateLimiter, Verdict, gcra};
pub use revocation::{Listeners, Revocation, RevocationListener, Revocations};
pub use secret::{ExposeSecret, RecordSecret, SecretHash, SecretString, ct_eq};
