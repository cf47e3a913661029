//! Limits on abuse of the login server's endpoints, with the `RateLimiter` port (GCRA; shared
//! by every instance on Redis):
//!
//! - failed client authentication at `/token`, `/introspect`, `/revoke` and `/bc-authorize`,
//!   per client id and per address: once a key's failures are spent, its requests are refused
//!   unchecked until the rate gives one back (guessing a client secret, or a weak bootstrap
//!   secret, at speed);
//! - backchannel requests per customer (message bombing: each sends an SMS or an e-mail), counted
//!   for authenticated clients only, before anything is sent;
//! - logins started per address (`/authorize` stores a login record for 15 minutes): what an
//!   anonymous caller can make the server store stays bounded.
//!
//! A limiter that fails refuses (never lets a request through unchecked).

use crate::{ClientAuthError, ClientAuthenticator};
use latchkey_core::{Clock, Rate, RateLimiter, StoreError, Verdict};
use latchkey_credential::Username;
use std::sync::Arc;
use time::Duration;

/// The rates of [`AbuseLimits`].
#[derive(Debug, Clone, Copy)]
pub struct AbuseRates {
    /// Failed client authentications of one client id.
    pub client_failures_per_client: Rate,
    /// Failed client authentications from one address.
    pub client_failures_per_address: Rate,
    /// Backchannel requests (each a message) for one customer.
    pub backchannel_per_customer: Rate,
    /// Logins started (`/authorize`) from one address.
    pub logins_per_address: Rate,
}

/// Why a request is refused before it is served.
#[derive(Debug, thiserror::Error)]
pub enum AbuseError {
    #[error("too many requests: retry after {retry_after}")]
    Limited { retry_after: Duration },
    #[error("the rate limiter failed")]
    Unavailable(#[source] StoreError),
}

impl From<StoreError> for AbuseError {
    fn from(e: StoreError) -> Self {
        AbuseError::Unavailable(e)
    }
}

/// The limits on abuse.
#[derive(Debug, Clone)]
pub struct AbuseLimits {
    limiter: Arc<dyn RateLimiter>,
    clients: ClientAuthenticator,
    clock: Arc<dyn Clock>,
    rates: AbuseRates,
}

impl AbuseLimits {
    pub fn new(
        limiter: Arc<dyn RateLimiter>,
        clients: ClientAuthenticator,
        clock: Arc<dyn Clock>,
        rates: AbuseRates,
    ) -> Self {
        Self {
            limiter,
            clients,
            clock,
            rates,
        }
    }

    /// Before a client authenticates: refused while the failures of the client id it presents
    /// (if any) or of its address are spent.
    pub async fn client_may_try(
        &self,
        client_id: Option<&str>,
        address: &str,
    ) -> Result<(), AbuseError> {
        let now = self.clock.now();
        let mut waits = Vec::with_capacity(2);
        if let Some(id) = client_id {
            let key = client_key(id);
            let rate = self.rates.client_failures_per_client;
            waits.push(self.limiter.peek(&key, rate, now).await?);
        }
        let rate = self.rates.client_failures_per_address;
        waits.push(self.limiter.peek(&address_key(address), rate, now).await?);
        refused(waits)
    }

    /// A client authentication failed: one failure of its client id (if any) and its address.
    pub async fn client_failed(
        &self,
        client_id: Option<&str>,
        address: &str,
    ) -> Result<(), AbuseError> {
        let now = self.clock.now();
        if let Some(id) = client_id {
            let key = client_key(id);
            let rate = self.rates.client_failures_per_client;
            self.limiter.hit(&key, rate, now).await?;
        }
        let rate = self.rates.client_failures_per_address;
        self.limiter.hit(&address_key(address), rate, now).await?;
        Ok(())
    }

    /// A backchannel request for the customer `login_hint` by a client that presents
    /// `candidates` (id and secret): counted against the customer when the client authenticates
    /// (a request that does not is answered by its endpoint, and counted as a failure).
    pub async fn backchannel(
        &self,
        candidates: &[(String, String)],
        login_hint: &str,
    ) -> Result<(), AbuseError> {
        match self.clients.authenticate(candidates).await {
            Ok(_) => {}
            Err(ClientAuthError::Unavailable(e)) => return Err(e.into()),
            Err(ClientAuthError::Required | ClientAuthError::Failed) => return Ok(()),
            Err(ClientAuthError::SecretRequired) => return Ok(()),
        }
        let customer = Username::parse(login_hint)
            .map(|u| u.as_str().to_owned())
            .unwrap_or_else(|_| login_hint.trim().to_lowercase());
        let key = format!("ciba:{customer}");
        let verdict = self
            .limiter
            .hit(&key, self.rates.backchannel_per_customer, self.clock.now())
            .await?;
        refused([verdict])
    }

    /// A login is about to start for `address` (`/authorize`).
    pub async fn login_start(&self, address: &str) -> Result<(), AbuseError> {
        let key = format!("authorize:{address}");
        let verdict = self
            .limiter
            .hit(&key, self.rates.logins_per_address, self.clock.now())
            .await?;
        refused([verdict])
    }
}

fn refused(verdicts: impl IntoIterator<Item = Verdict>) -> Result<(), AbuseError> {
    let longest = verdicts
        .into_iter()
        .filter_map(|v| match v {
            Verdict::Allowed => None,
            Verdict::Limited { retry_after } => Some(retry_after),
        })
        .max();
    match longest {
        Some(retry_after) => Err(AbuseError::Limited { retry_after }),
        None => Ok(()),
    }
}

/// The key of a client id's failures (bounded: ids are short, anything longer is cut).
fn client_key(id: &str) -> String {
    let id: String = id.chars().take(128).collect();
    format!("client-auth:{id}")
}

fn address_key(address: &str) -> String {
    format!("client-auth-addr:{address}")
}
