//! Access tokens: the JWTs that authorize calls to Latchkey's APIs — their claims (RFC 9068
//! profile plus `scope`, `orgs` and, for a customer, `credential`), the client-credentials grant
//! that issues service tokens, verification of a bearer token into the `Principal` that presented
//! it (through a cache of verified tokens that revocations empty at once), revocation
//! (RFC 7009), and the signing-key ring that signs access and ID tokens.
//!
//! Pure domain: JWT encoding and key generation come in through the `AccessTokenCodec` and
//! `KeyGenerator` ports, storage through `SigningKeyStore` and `RevokedTokens`. The opaque
//! security tokens of the Credentials API live beside the credentials they act on
//! (`latchkey-credential`); refresh tokens beside their device sessions (`latchkey-device`).

mod access;
mod cache;
mod error;
mod keys;
mod ports;

pub use access::{AccessClaims, AccessTokenVerifier, IssuedAccessToken, ServiceTokenIssuer};
pub use cache::{CachedVerifier, KeyRefresh, RECHECK_SECONDS, TokenCache, Verified};
pub use error::{AuthError, GrantError, KeyError, RevokeError, VerifyError};
pub use keys::{KeyService, SigningAlgorithm, SigningKey};
pub use ports::{AccessTokenCodec, KeyGenerator, RevokedTokens, SigningKeyStore, TokensOf};
