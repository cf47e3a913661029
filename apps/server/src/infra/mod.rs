//! The server's own adapters: system clock and randomness, argon2id hashing on a bounded
//! blocking pool, the JWT codec with its key generator, and dev mode's console outbox.

mod argon;
mod console;
mod jwt;
mod system;

pub use argon::Argon2Hasher;
pub use console::ConsoleNotifier;
pub use jwt::{EcKeyGenerator, JwtCodec};
pub use system::{SystemClock, ThreadRandom};
