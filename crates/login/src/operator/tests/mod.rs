//! Unit tests of the operators' sign-in, on the memory adapters with a fixed clock (a wait is
//! passed by moving the clock). One file per subject; [`fixture`] wires it as the server does.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests fail by panicking"
)]

mod authenticator;
mod delivery;
mod fixture;
mod links;
mod mfa;
mod password;
mod sessions;
mod validate;
