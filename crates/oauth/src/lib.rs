//! The OAuth 2.0 and OpenID Connect protocol of the login server: what a login client may ask
//! of `/authorize` (validated against its registration; errors told apart into those shown to
//! the browser and those sent back to the client), PKCE (RFC 7636), authorization codes (single
//! use, short-lived, bound to client, redirect URI and challenge; a replayed code revokes what
//! it issued), CIBA requests (poll mode), and the protocol's error codes.
//!
//! Pure domain: storage comes in through the `EphemeralStore` port (Redis in production), ID
//! token signing through `IdTokenSigner`, time and randomness through the core ports. How a
//! customer signs in (passwords, second factors, sessions) is `latchkey-login`'s.

mod ciba;
mod code;
mod error;
mod pkce;
mod ports;
mod request;

pub use ciba::{CIBA_EXPIRES_IN, CIBA_INTERVAL, CibaRequest, CibaService, Decision, Poll};
pub use code::{AuthCode, CODE_TTL, CodeService, Issued, Redeemed};
pub use error::{AuthorizeError, RedirectError, TokenError};
pub use pkce::{ChallengeMethod, CodeChallenge, valid_verifier};
pub use ports::{EphemeralStore, IdTokenSigner, secret_key};
pub use request::{AuthRequest, AuthorizeParams, ResponseType};
