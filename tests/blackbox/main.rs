//! Black-box tests: the real server on a free port, spoken to over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests fail by panicking")]

mod smoke;
