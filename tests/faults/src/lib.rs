//! The peers of the fault tests, each private to one test and broken on purpose: a PostgreSQL
//! cluster (initdb'd into a temporary directory, run from the machine's own PostgreSQL
//! binaries) that a test stops, restarts, freezes (SIGSTOP) and thaws; a Redis it kills and
//! restarts on the same port; SMTP servers that refuse or never answer; and the real `latchkey`
//! binary as a child process, to be killed with SIGKILL.
//!
//! Never the shared PostgreSQL and Redis of `just test` (5432, 6379): a test that stops or
//! freezes a server must own it. Every peer is stopped, and its directory removed, when the
//! value is dropped (kept, and named on standard error, when the test failed).
//!
//! Plain `std` processes and threads: it works under any async runtime.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test harness fails by panicking, like any test"
)]

pub mod binary;
pub mod postgres;
pub mod process;
pub mod redis;
pub mod smtp;

pub use binary::{ADMIN_ID, ADMIN_SECRET, ChildServer, Remote};
pub use postgres::PrivatePostgres;
pub use redis::PrivateRedis;
pub use smtp::{Behaviour, SmtpPeer, refusing_smtp_url};
