//! The `latchkey` command: with no command (or `serve`) it runs the server of
//! `latchkey-server`; `latchkey migrate` migrates the database; `latchkey tenant|client|key ...`
//! administer a running server through its HTTP API, as any other client would; `latchkey
//! operator create` creates a security-service operator on the database directly (`operator`);
//! `latchkey subscriber ...` works on subscribers through the security service's API with an
//! operator's API key (`subscriber`).
//!
//! The command line lives apart from the server so that the server crate is what serves (its
//! faces and their wiring) and this crate is what a person types.

pub mod cli;
pub mod operator;
pub mod subscriber;
