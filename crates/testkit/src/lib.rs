//! What Latchkey's tests share: the contract suites every adapter runs, fixtures that build
//! valid domain values, a clock that tests set and advance, deterministic randomness, fast fakes
//! of the crypto ports and doubles that fail on purpose.
//!
//! The contract suites (`contracts::*`) check exactly the sentences of the ports' doc comments
//! ("MUST fail with `Conflict` when…", "returns `Ok(None)` when…", ordering, atomicity). Each
//! adapter of a port runs the same suite, so the in-memory adapters cannot drift from the
//! PostgreSQL ones, nor a fake from the real thing. A suite takes a factory and gives every
//! check a fresh, empty store (or hasher, codec, cipher).
//!
//! [`fakes`] hold one fast stand-in per crypto port (`FastHasher`, `FastCipher`), each checked
//! by its port's suite; storage needs none (use `latchkey-memory`). [`faults`] hold the doubles
//! that are broken on purpose (a notifier that always fails, a limiter that always errs).
//!
//! It also starts the real servers that adapter and black-box tests talk to: an SMTP server
//! (aiosmtpd, [`smtp_sink`]), a recording HTTP gateway ([`http_recorder`]), and a peer that
//! takes connections and then says nothing ([`silent_peer`]).
//!
//! Used only by tests: it must never be a dependency of production code, and it may depend on
//! the domain crates and the async runtime only, never on an adapter.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "contract suites and fixtures fail by panicking, like any test"
)]

pub mod contracts;
pub mod fakes;
pub mod faults;
pub mod fixtures;
pub mod http_recorder;
pub mod silent_peer;
pub mod smtp_sink;
mod wall_clock;

pub use latchkey_core::testing::{FixedClock, HeardRevocations, SeededRandom};
pub use wall_clock::WallClock;
