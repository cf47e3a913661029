//! Credentials: a customer's username, password and second-factor settings in one tenant, and
//! the security tokens that act on them.
//!
//! Owns usernames and their normalisation, the password policy (NIST SP 800-63B), the credential
//! life cycle (create disabled, activate with a set-password token, patch, soft delete, move,
//! copy, discover), the password check of a sign-in (with dummy-hash timing for unknown
//! usernames), and the opaque security tokens (`<uuid>@<org>@<secret>`: set-password,
//! change-password, magic link; stored hashed, single use). Pure domain: storage and password
//! hashing come in through the `CredentialStore`, `SecurityTokenStore` and `PasswordHasher`
//! ports.

mod dummy;
mod error;
mod model;
mod password;
mod ports;
mod security_token;
mod service;
mod username;

pub use dummy::DummyHash;
pub use error::{CredentialError, SecurityTokenError};
pub use model::{Credential, CredentialAttrs, Msisdn};
pub use password::{Password, PasswordHash, PolicyViolation};
pub use ports::{CredentialStore, PasswordHasher, SecurityTokenStore};
pub use security_token::{
    DEFAULT_MAGIC_LINK_TTL, IssuedToken, SecurityToken, SecurityTokens, TokenPurpose, TokenString,
};
pub use service::{CredentialService, Transfer};
pub use username::{Username, UsernameError, UsernameKind};
