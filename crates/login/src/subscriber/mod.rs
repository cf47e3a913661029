//! The security service's sign-in of subscribers (`/api/v1/suboauth2`). A subscriber is a
//! credential of a tenant, so this is the login server's sign-in under another face: the same
//! password step ([`LoginService::check_password`]: slowed guessing, dummy-hash timing), the same
//! authenticator check ([`LoginService::check_second_factor`]) and one-time codes of the same
//! kind under the same slowed guessing, the same device sessions and the same tokens
//! ([`crate::Grants`]). What it adds is the security service's answers: a challenge (`{uuid,
//! created, question, method}`) shared by every instance, a `WebTokenResult`, and the
//! subscriber's profile (its MFA method and mobiles, `blackListed`, `waitingForEmailCheck`).
//!
//! **The tokens.** The access token is a Latchkey customer access token, as the login server
//! issues it: `sub` and `credential` the subscriber's credential, `orgs` its tenant, `sid` a new
//! device session; the Credentials API accepts it for the subscriber's own credential. Its
//! `client_id` is the tenant's **security-service client** ([`client_id`]:
//! `security-service.<org>`), which the server registers on the tenant's first subscriber
//! sign-in: a client with only the `refresh_token` grant and a secret nobody knows, so that it
//! serves no `/authorize` and no `/token` request. Deleting it (`DELETE /v1/clients/...`)
//! revokes every token it issued; the next sign-in registers it again. Its scopes are
//! [`subscriber_scopes`]. The refresh token is the device session's rotating refresh token
//! (`<id>@<org>@<secret>`): suspending or deleting the subscriber, unlinking the device or a
//! reused refresh token ends it, as for the login server's.

mod client;
mod codes;
mod errors;
mod mfa;
mod password;
mod sessions;

#[cfg(test)]
mod tests;

pub use client::client_id;
pub use sessions::{ValidSubscriber, token_org};

use crate::LoginService;
use latchkey_access::{CachedVerifier, RevokedTokens};
use latchkey_core::{Clock, Revocations, SecureRandom};
use latchkey_flows::FlowService;
use latchkey_notify::Notifier;
use latchkey_oauth::EphemeralStore;
use latchkey_otp::OtpStore;
use latchkey_subscriber::SubscriberService;
use latchkey_tenancy::{ClientRegistry, Scope, ScopeSet};
use std::sync::Arc;

/// The customer scopes of a `/suboauth2` access token: the subscriber's own devices
/// (`devices`) and second factors (`otp`, `totp`) through the Credentials API. Nothing else:
/// no magic links (`tokens`), no OpenID Connect scopes (no ID token is issued here).
pub fn subscriber_scopes() -> ScopeSet {
    [Scope::Devices, Scope::Otp, Scope::Totp]
        .into_iter()
        .collect()
}

/// What the subscribers' sign-in is built from.
#[derive(Debug, Clone)]
pub struct SubscriberSignInPorts {
    /// The login server: the password step, the second factor, the grants and device
    /// sessions, the credentials.
    pub login: LoginService,
    /// The subscribers' profiles (MFA method, `blackListed`, `waitingForEmailCheck`).
    pub subscribers: SubscriberService,
    /// The Credentials API's password flows (a password change, a reset e-mail).
    pub flows: FlowService,
    /// Where the tenants' security-service clients are registered.
    pub clients: Arc<dyn ClientRegistry>,
    /// MFA challenges, shared by every instance (Redis when configured).
    pub ephemeral: Arc<dyn EphemeralStore>,
    /// The challenges' codes (the second-factor codes' store: Redis when configured).
    pub codes: Arc<dyn OtpStore>,
    /// Where the codes go (SMTP, the SMS gateway).
    pub notifier: Arc<dyn Notifier>,
    /// Access tokens revoked before their expiry (a sign-out).
    pub revoked: Arc<dyn RevokedTokens>,
    /// Where a revocation is announced to every instance.
    pub revocations: Arc<dyn Revocations>,
    /// The Credentials API's bearer verification (cached; revocations heard).
    pub access: CachedVerifier,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
}

/// The subscribers' sign-in use cases.
#[derive(Debug, Clone)]
pub struct SubscriberSignIn {
    ports: SubscriberSignInPorts,
}

impl SubscriberSignIn {
    pub fn new(ports: SubscriberSignInPorts) -> Self {
        Self { ports }
    }

    fn now(&self) -> latchkey_core::Timestamp {
        self.ports.clock.now()
    }

    /// The subscriber of `credential` in `org` as it is now (its profile, its state).
    async fn subscriber(
        &self,
        org: &latchkey_core::OrgId,
        credential: uuid::Uuid,
    ) -> Result<latchkey_subscriber::Subscriber, crate::operator::SignInError> {
        self.ports
            .subscribers
            .get(org, credential)
            .await
            .map_err(errors::from_subscriber)
    }
}

/// Who is signing in, from where (the slowed guessing counts per address).
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    /// The client's IP address.
    pub address: &'a str,
    /// Its `User-Agent` (the device session is named after it).
    pub user_agent: &'a str,
}
