//! The protocol's stateful parts over the memory adapters (which run the contract suites of their
//! ports) and core's test doubles.
#![allow(clippy::unwrap_used, reason = "a test fails by panicking")]

mod ciba;
