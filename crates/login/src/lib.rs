//! Signing customers in: the use cases of the login server, shared by every face that signs
//! someone in (the login pages; the security service's `/oauth2` and `/suboauth2` reuse the
//! password step, the second-factor codes and the slowed guessing).
//!
//! A login is a short-lived record ([`LoginTx`], in the `EphemeralStore`) that carries the
//! checked authorization request through its steps: the password ([`LoginService::password`]),
//! the second factor when the credential requires one ([`LoginService::second_factor`]), then
//! the completion — a device session and the code (or token) for the client. A live device
//! session signs in without asking (single sign-on), a magic link stands in for the password,
//! and a CIBA approval is a login whose completion is the customer's consent. Guessing is
//! slowed, never locked for good ([`guessing`]). The grants of `/token` turn codes and refresh
//! tokens into tokens ([`Grants`]); [`TokenInspector`] says which token `/introspect` and
//! `/revoke` are looking at; [`ClientAuthenticator`] which client a token request comes from.
//!
//! The security service's operators sign in through [`operator::OperatorSignIn`]: the same
//! slowed guessing and second-factor codes around the operators directory of
//! `latchkey-operator`, with sessions and tokens of their own.
//!
//! Pure use cases: no HTML, no HTTP, no cookies (the app names and sets them); storage, time
//! and randomness come in through the ports of the domain crates it composes.

mod abuse;
mod agent;
mod authorize;
mod challenge_store;
mod ciba;
mod clients;
mod complete;
mod error;
mod grants;
pub mod guessing;
mod known;
mod logout;
mod magic;
pub mod operator;
mod password;
mod record;
mod redirect;
mod second_factor;
mod service;
mod sso;
pub mod subscriber;
mod tokens;

#[cfg(test)]
mod tests;

pub use abuse::{AbuseError, AbuseLimits, AbuseRates};
pub use agent::{Agent, Browser};
pub use authorize::Authorization;
pub use ciba::{
    Backchannel, BackchannelError, CIBA_APPROVAL_PATH, CibaPrompt, Started as BackchannelStarted,
};
pub use clients::{ClientAuthError, ClientAuthenticator, PresentedClient};
pub use complete::{Completion, NewSession};
pub use error::{LoginError, LoginFailure};
pub use grants::{Authenticated, GrantPorts, Grants, TokenSet, at_hash};
pub use known::{KNOWN_DEVICE_TTL, known_device_marker};
pub use logout::{Logout, LogoutRequest, SignedOut};
pub use magic::{MagicLink, MagicOffer, MagicOutcome};
pub use record::{LOGIN_TTL, LoginTx, Pending, Stage, Started};
pub use second_factor::{ContactChoice, Factor, Step};
pub use service::{LoginPorts, LoginService};
pub use tokens::{Introspected, RevocationRefused, TokenInspector};
