//! The server's own adapters: system clock and randomness, argon2id hashing on a bounded
//! blocking pool, and the JWT codec with its key generator.

mod argon;
mod jwt;
mod system;

pub use argon::Argon2Hasher;
pub use jwt::{EcKeyGenerator, JwtCodec};
pub use system::{SystemClock, ThreadRandom};
