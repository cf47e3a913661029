//! Tokens: the opaque security tokens of the Credentials API (`<uuid>@<org>@<secret>`, stored
//! hashed, with a purpose and an expiry) and the JWT access tokens that authorize API calls
//! (their claims, the signing-key ring, the client-credentials grant and verification).
//!
//! Pure domain: JWT encoding and key generation come in through the `AccessTokenCodec` and
//! `KeyGenerator` ports, storage through `SecurityTokenStore` and `SigningKeyStore`.

mod access;
mod error;
mod keys;
mod ports;
mod security;

pub use access::{AccessClaims, AccessTokenVerifier, IssuedAccessToken, ServiceTokenIssuer};
pub use error::{AuthError, GrantError, KeyError, RevokeError, TokenError, VerifyError};
pub use keys::{KeyService, SigningAlgorithm, SigningKey};
pub use ports::{
    AccessTokenCodec, KeyGenerator, RevokedTokens, SecurityTokenStore, SigningKeyStore,
};
pub use security::{
    DEFAULT_MAGIC_LINK_TTL, IssuedToken, SecurityToken, SecurityTokens, TokenPurpose, TokenString,
};
