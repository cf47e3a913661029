//! Test doubles of the core ports, for the tests of every crate (feature `testing`, enabled by
//! dev-dependencies only): a clock that stands still until the test moves it, reproducible
//! "randomness", and revocations a test can read back. Never in a production build:
//! [`SeededRandom`] is not secure, on purpose.

mod clock;
mod random;
mod revocations;

pub use clock::{FixedClock, T0};
pub use random::SeededRandom;
pub use revocations::HeardRevocations;
