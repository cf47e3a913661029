//! Unit tests of the login domain, on the memory adapters with a fixed clock: a wait is passed
//! by moving the clock, never by sleeping. One file per subject; [`fixture`] wires the service
//! as the server does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod amr;
mod authorize;
mod ciba;
mod fixture;
mod guessing;
mod magic;
mod password;
mod second_factor;
mod slowed_passwords;
mod sso;
mod step_up;
mod steps;
