//! The client-credentials grant, bearer verification and the signing-key ring, over the memory
//! adapters (which run the contract suites of their ports), core's fixed clock and seeded
//! randomness, and the real JWT codec (`latchkey_crypto::JwtCodec`, fast enough, and it runs
//! the codec's contract suite).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "a test fails by panicking"
)]

mod access;
mod keys;
mod material;
mod recording;
