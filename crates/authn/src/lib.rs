//! The login server's domain: what a login client may ask of `/authorize` (validated against
//! its registration), PKCE (RFC 7636), authorization codes (single use, short-lived, bound to
//! client, redirect URI and challenge; a replayed code revokes what it issued), and the
//! short-lived records of logins in progress and CIBA requests.
//!
//! Pure domain: storage comes in through the `EphemeralStore` port (Redis in production), time
//! and randomness through the core ports.

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
