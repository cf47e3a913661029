//! Cryptographic adapters: the implementations of the domain's crypto ports.
//!
//! - [`Argon2Hasher`]: `PasswordHasher` with argon2id (OWASP parameters) on a fixed set of
//!   hashing threads, so hashes never block the async runtime and memory stays bounded;
//! - [`JwtCodec`]: `AccessTokenCodec` (ES256 access tokens, RFC 9068) and `IdTokenSigner`
//!   (RS256 or ES256 ID tokens), and the JWK Set that publishes the keys; [`EcKeyGenerator`]
//!   makes new P-256 and RSA-2048 key pairs (`KeyGenerator`);
//! - [`AesGcmCipher`]: `SecretCipher` with AES-256-GCM for secrets at rest (TOTP secrets);
//!   [`NoDataKey`] when no key is configured;
//! - [`SystemClock`] and [`ThreadRandom`]: the `Clock` and `SecureRandom` of production.
//!
//! An adapter crate: it may use crypto libraries (aws-lc-rs, argon2, jsonwebtoken, rand) and
//! must never name the web framework. Every adapter here runs the contract suite of its port
//! (`latchkey-testkit`).

pub mod argon;
mod cipher;
mod jwt;
mod system;

pub use argon::Argon2Hasher;
pub use cipher::{AesGcmCipher, DataKeyError, NoDataKey};
pub use jwt::{EcKeyGenerator, JwtCodec};
pub use system::{SystemClock, ThreadRandom};
