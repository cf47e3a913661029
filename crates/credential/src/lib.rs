//! Credentials: a customer's username, password and second-factor settings in one tenant.
//!
//! Owns usernames and their normalisation, the password policy (NIST SP 800-63B), the credential
//! life cycle (create disabled, activate with a set-password token, patch, soft delete, move,
//! copy, discover) and the security-token endpoints around it. Pure domain: storage and password
//! hashing come in through the `CredentialStore` and `PasswordHasher` ports.

mod error;
mod model;
mod password;
mod ports;
mod service;
mod username;

pub use error::CredentialError;
pub use model::{Credential, CredentialAttrs, Msisdn};
pub use password::{Password, PasswordHash, PolicyViolation};
pub use ports::{CredentialStore, PasswordHasher};
pub use service::{CredentialService, Transfer};
pub use username::{Username, UsernameError, UsernameKind};
