//! The security service's sign-in of operators (`/api/v1/oauth2`): a password (with the login
//! server's slowed guessing), a forced password change, a second factor by e-mail, SMS or an
//! authenticator app,
//! sessions whose refresh tokens rotate, sign-out, the fast validation of access tokens that
//! sibling services call on every request, and the one-use links (password reset, e-mail
//! verification).
//!
//! An operator's access token is a Latchkey JWT: `sub` the operator's id, `client_id`
//! [`OPERATOR_CLIENT_ID`] (no client has it, so the Credentials API refuses it), no scope,
//! `orgs` its org (every org for a `root`), `sid` its session. A session
//! ([`latchkey_operator::OperatorSession`]) keeps the hash of its live refresh token and the
//! `jti` of its live access token: a refresh revokes the previous access token and a sign-out
//! the current one, announced to every instance, so a session has at most one live access token
//! and a signed-out one dies everywhere at once.
//!
//! The operator record and its rules (password policy, history, suspension) are
//! `latchkey_operator`'s [`OperatorService`]; this module adds only the sign-in around it.

mod links;
mod mfa;
mod password;
mod sessions;
mod types;
mod validate;

#[cfg(test)]
mod tests;

pub use links::{FORGOT_INTERVAL, LinkDelivery, RESET_LINK_TTL, VERIFICATION_LINK_TTL};
pub use types::{MfaChallenge, SignInError, SignedIn, ValidToken, WebToken};
pub use validate::OPERATOR_TTL;

use crate::guessing::SlowGuessing;
use latchkey_access::{AccessTokenCodec, KeyRefresh, KeyService, RevokedTokens, TokenCache};
use latchkey_notify::Notifier;
use latchkey_oauth::EphemeralStore;
use latchkey_operator::{OperatorPorts, OperatorService};
use latchkey_otp::{Authenticators, OtpStore};
use std::sync::Arc;
use time::Duration;
use validate::OperatorCache;

/// The `client_id` of every operator's access token. Not a valid client id (`ClientId` refuses
/// the `@`), so no client can be registered with it and the Credentials API's verifier refuses
/// these tokens.
pub const OPERATOR_CLIENT_ID: &str = "@operator";

/// The name the operators' messages carry as their brand (the `tenant` of a template).
pub const OPERATOR_BRAND: &str = "OpenWiFi";

/// How the operators' sign-in behaves.
#[derive(Debug, Clone)]
pub struct OperatorSignInSettings {
    /// How long an access token lives (`expires_in`); 3600 s by default.
    pub access_ttl: Duration,
    /// How long a session lives from its sign-in, refreshed or not; 30 days by default.
    pub session_ttl: Duration,
    /// A refresh token unused this long is refused (`idle_timeout`); 24 h by default.
    pub idle_timeout: Duration,
    /// Where the server is reached from outside (links in messages start with it).
    pub public_url: String,
    /// The `iss` and `aud` of the tokens (the server's, as its codec checks them).
    pub issuer: String,
    pub audience: String,
}

impl OperatorSignInSettings {
    /// The defaults of the durations, with the server's own URL, issuer and audience.
    pub fn new(public_url: String, issuer: String, audience: String) -> Self {
        Self {
            access_ttl: Duration::hours(1),
            session_ttl: Duration::days(30),
            idle_timeout: Duration::hours(24),
            public_url,
            issuer,
            audience,
        }
    }
}

/// What the operators' sign-in is built from.
#[derive(Debug, Clone)]
pub struct OperatorSignInPorts {
    /// The operators directory (passwords, suspension, sessions ended).
    pub operators: OperatorService,
    /// The directory's ports: its records (`last_login`), the sessions, the revocations, the
    /// clock and randomness.
    pub directory: OperatorPorts,
    /// MFA challenges and one-use links, shared by every instance (Redis when configured).
    pub ephemeral: Arc<dyn EphemeralStore>,
    /// The login server's slowed guessing (the same counts: one address is one address).
    pub guessing: SlowGuessing,
    /// The second-factor codes.
    pub codes: Arc<dyn OtpStore>,
    pub notifier: Arc<dyn Notifier>,
    /// Signs and verifies the access tokens.
    pub codec: Arc<dyn AccessTokenCodec>,
    /// Access tokens revoked before their expiry (durable, every instance).
    pub revoked: Arc<dyn RevokedTokens>,
    /// This instance's verified-token cache: the listener of `directory.revocations`.
    pub cache: Arc<TokenCache>,
}

/// The operators' sign-in use cases.
#[derive(Debug, Clone)]
pub struct OperatorSignIn {
    ports: OperatorSignInPorts,
    settings: OperatorSignInSettings,
    operators: Arc<OperatorCache>,
    /// Reloads the key ring for a token signed with a key this instance has not loaded (at
    /// most once a second), or after a key was removed.
    keys: Option<(KeyService, Arc<KeyRefresh>)>,
    /// Operators' authenticator apps (`/totp`): without them an operator set to the
    /// authenticator is refused rather than let in on a password alone.
    authenticators: Option<Authenticators>,
}

impl OperatorSignIn {
    pub fn new(ports: OperatorSignInPorts, settings: OperatorSignInSettings) -> Self {
        Self {
            ports,
            settings,
            operators: Arc::default(),
            keys: None,
            authenticators: None,
        }
    }

    /// Challenges operators whose second factor is the authenticator app with a code of it
    /// (checked by `authenticators`, the one TOTP implementation: replay-proof).
    #[must_use]
    pub fn with_authenticators(mut self, authenticators: Authenticators) -> Self {
        self.authenticators = Some(authenticators);
        self
    }

    /// Reloads `keys` (the ring the codec of the ports verifies with) when a token names a key
    /// this instance has not loaded — one rotated on another instance — at most once a second,
    /// and before verifying after a key was removed anywhere. Without it such a token is
    /// refused until the ring is reloaded otherwise.
    #[must_use]
    pub fn with_key_reload(mut self, keys: KeyService) -> Self {
        self.keys = Some((keys, Arc::default()));
        self
    }

    fn now(&self) -> latchkey_core::Timestamp {
        self.ports.directory.clock.now()
    }
}
