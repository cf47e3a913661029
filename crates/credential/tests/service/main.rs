//! The credential use cases and security tokens over the memory adapters (which run the
//! contract suites of their ports), core's fixed clock and seeded randomness, and testkit's
//! `FastHasher`. Two thin recorders over the memory stores show a test what the port does not
//! let it read back (soft-deleted rows, the tokens of a subject); they run the stores' contract
//! suites too.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod access_taken;
mod fixture;
mod recorders;
mod security_token;
mod service;
mod signup;
