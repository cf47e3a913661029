//! The tenant and client use cases and the cached directory, over the memory adapters (which
//! run the contract suites of their ports), a fixed clock and seeded randomness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod cache;
mod clients;
mod fixture;
mod tenants;
