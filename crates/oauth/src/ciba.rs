//! Client-initiated backchannel authentication, poll mode (OpenID CIBA Core 1.0): a client
//! asks to sign a customer in (`/bc-authorize`); the customer approves or denies on their own
//! device; the client polls `/token` until there is an answer. Tokens are issued exactly once.

use crate::{EphemeralStore, TokenError, secret_key};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{Clock, OrgId, SecureRandom};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// Seconds a request waits for the customer (`expires_in`).
pub const CIBA_EXPIRES_IN: i64 = 120;
/// Seconds a client waits between polls (`interval`); `slow_down` adds 5 each time.
pub const CIBA_INTERVAL: i64 = 5;
/// How long past its expiry a request is remembered (to answer `expired_token` rather than
/// `invalid_grant`).
const REMEMBERED_AFTER: i64 = 600;

/// A backchannel authentication request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CibaRequest {
    pub client_id: String,
    pub org: OrgId,
    pub credential: Uuid,
    pub username: String,
    /// Space-delimited, canonical order.
    pub scope: String,
    pub binding_message: Option<String>,
    /// Unix seconds.
    pub expires_at: i64,
    /// Seconds between polls.
    pub interval: i64,
    /// Unix seconds of the last poll.
    pub last_poll: Option<i64>,
    /// A refresh token is to be issued.
    pub offline: bool,
}

/// The customer's answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    Approved { auth_time: i64, amr: Vec<String> },
    Denied,
}

/// What a poll finds (CIBA Core §11).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Poll {
    Pending,
    SlowDown,
    Denied,
    Expired,
    /// Approved: issue the tokens now (this answer is given once).
    Approved {
        request: Box<CibaRequest>,
        auth_time: i64,
        amr: Vec<String>,
    },
}

/// CIBA requests on an [`EphemeralStore`].
#[derive(Debug, Clone)]
pub struct CibaService {
    store: Arc<dyn EphemeralStore>,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
}

impl CibaService {
    pub fn new(
        store: Arc<dyn EphemeralStore>,
        clock: Arc<dyn Clock>,
        random: Arc<dyn SecureRandom>,
    ) -> Self {
        Self {
            store,
            clock,
            random,
        }
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> i64 {
        self.clock.now().unix_timestamp()
    }

    /// Stores a new request (its `expires_at`, `interval` and `last_poll` are set here) and
    /// answers its `auth_req_id`.
    pub async fn create(&self, mut request: CibaRequest) -> Result<String, TokenError> {
        let id = URL_SAFE_NO_PAD.encode(self.random.secret_bytes());
        request.expires_at = self.now() + CIBA_EXPIRES_IN;
        request.interval = CIBA_INTERVAL;
        request.last_poll = None;
        self.save(&id, &request).await?;
        Ok(id)
    }

    /// A live (unexpired, undecided) request.
    pub async fn pending(&self, id: &str) -> Result<Option<CibaRequest>, TokenError> {
        let Some(request) = self.load(id).await? else {
            return Ok(None);
        };
        let decided = self
            .store
            .get(&secret_key("ciba-decision", id))
            .await
            .map_err(TokenError::Store)?
            .is_some();
        Ok((!decided && request.expires_at > self.now()).then_some(request))
    }

    /// Records the customer's answer; the first answer stands. `false` when the request is no
    /// longer pending or is not `credential`'s.
    pub async fn decide(
        &self,
        id: &str,
        credential: Uuid,
        decision: &Decision,
    ) -> Result<bool, TokenError> {
        match self.pending(id).await? {
            Some(request) if request.credential == credential => {}
            _ => return Ok(false),
        }
        let bytes =
            serde_json::to_vec(decision).map_err(|_| TokenError::InvalidRequest("decision"))?;
        let ttl = Duration::seconds(CIBA_EXPIRES_IN + REMEMBERED_AFTER);
        self.store
            .put_new(&secret_key("ciba-decision", id), &bytes, ttl)
            .await
            .map_err(TokenError::Store)
    }

    /// A poll of `client_id` for `id` (CIBA Core §10.1, §11).
    pub async fn poll(&self, id: &str, client_id: &str) -> Result<Poll, TokenError> {
        let Some(mut request) = self.load(id).await? else {
            return Err(TokenError::InvalidGrant("unknown auth_req_id"));
        };
        if request.client_id != client_id {
            return Err(TokenError::InvalidGrant(
                "the auth_req_id was issued to another client",
            ));
        }
        let now = self.now();
        let decision = self
            .store
            .get(&secret_key("ciba-decision", id))
            .await
            .map_err(TokenError::Store)?
            .and_then(|b| serde_json::from_slice::<Decision>(&b).ok());
        match decision {
            Some(Decision::Approved { .. }) => {
                // Exactly once: of concurrent polls, one takes the approval.
                let taken = self
                    .store
                    .take(&secret_key("ciba-decision", id))
                    .await
                    .map_err(TokenError::Store)?
                    .and_then(|b| serde_json::from_slice::<Decision>(&b).ok());
                self.store
                    .delete(&secret_key("ciba", id))
                    .await
                    .map_err(TokenError::Store)?;
                return match taken {
                    Some(Decision::Approved { auth_time, amr }) => Ok(Poll::Approved {
                        request: Box::new(request),
                        auth_time,
                        amr,
                    }),
                    Some(Decision::Denied) | None => {
                        Err(TokenError::InvalidGrant("the tokens were already issued"))
                    }
                };
            }
            Some(Decision::Denied) => return Ok(Poll::Denied),
            None => {}
        }
        if request.expires_at <= now {
            return Ok(Poll::Expired);
        }
        let too_fast = request
            .last_poll
            .is_some_and(|last| now - last < request.interval);
        request.last_poll = Some(now);
        if too_fast {
            request.interval += 5;
        }
        self.save(id, &request).await?;
        Ok(if too_fast {
            Poll::SlowDown
        } else {
            Poll::Pending
        })
    }

    async fn load(&self, id: &str) -> Result<Option<CibaRequest>, TokenError> {
        if id.is_empty() || id.len() > 64 {
            return Ok(None);
        }
        let bytes = self
            .store
            .get(&secret_key("ciba", id))
            .await
            .map_err(TokenError::Store)?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    async fn save(&self, id: &str, request: &CibaRequest) -> Result<(), TokenError> {
        let bytes =
            serde_json::to_vec(request).map_err(|_| TokenError::InvalidRequest("request"))?;
        let ttl = Duration::seconds((request.expires_at - self.now()).max(1) + REMEMBERED_AFTER);
        self.store
            .put(&secret_key("ciba", id), &bytes, ttl)
            .await
            .map_err(TokenError::Store)
    }
}
