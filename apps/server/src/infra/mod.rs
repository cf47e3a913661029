//! The server's own adapters: system clock and randomness, argon2id hashing on a bounded
//! blocking pool, the JWT codec with its key generator, dev mode's console outbox, AES-256-GCM
//! for secrets at rest, and QR codes as PNG.

mod argon;
mod cipher;
mod console;
mod jwt;
mod qr;
mod system;

pub use argon::Argon2Hasher;
pub use cipher::{AesGcmCipher, NoDataKey};
pub use console::ConsoleNotifier;
pub use jwt::{EcKeyGenerator, JwtCodec};
pub use qr::png as qr_png;
pub use system::{SystemClock, ThreadRandom};
