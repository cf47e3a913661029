//! Revocations in process memory: the revoked tokens (by `jti`, subject or client) and their
//! announcement to the listeners of this process (one per server instance it runs: one in dev
//! mode; a test may attach several to stand for a fleet on one storage).

use crate::{read, write};
use async_trait::async_trait;
use latchkey_access::{AccessClaims, RevokedTokens, TokensOf};
use latchkey_core::{Clock, Revocation, RevocationListener, Revocations, StoreError, Timestamp};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use uuid::Uuid;

/// Access tokens live a day at most (`LATCHKEY_ACCESS_TOKEN_TTL`): a record older than that
/// names only expired tokens.
const MAX_TOKEN_LIFE: time::Duration = time::Duration::days(1);

/// When a holder's tokens were revoked, and until when that matters.
#[derive(Debug, Clone, Copy)]
struct HolderRecord {
    at: Timestamp,
    until: Timestamp,
}

/// Revoked access tokens: ids with their expiry, and subjects and clients with the time of
/// their revocation; expired records are dropped as new ones come.
#[derive(Debug, Default)]
pub struct MemRevokedTokens {
    revoked: RwLock<HashMap<Uuid, Timestamp>>,
    holders: RwLock<HashMap<TokensOf, HolderRecord>>,
}

#[async_trait]
impl RevokedTokens for MemRevokedTokens {
    async fn revoke(&self, jti: Uuid, expires_at: Timestamp) -> Result<(), StoreError> {
        let mut revoked = write(&self.revoked);
        if revoked.len() > 10_000 {
            // A token expiring `expires_at` was issued after `expires_at - 1 day`: anything
            // that expired before then is long gone.
            let horizon = expires_at - MAX_TOKEN_LIFE;
            revoked.retain(|_, e| *e > horizon);
        }
        let latest = revoked
            .get(&jti)
            .map_or(expires_at, |e| (*e).max(expires_at));
        revoked.insert(jti, latest);
        Ok(())
    }

    async fn revoke_all(
        &self,
        whose: &TokensOf,
        at: Timestamp,
        until: Timestamp,
    ) -> Result<(), StoreError> {
        let mut holders = write(&self.holders);
        if holders.len() > 10_000 {
            let horizon = at - MAX_TOKEN_LIFE;
            holders.retain(|_, r| r.until > horizon);
        }
        let record = match holders.get(whose) {
            Some(old) => HolderRecord {
                at: old.at.max(at),
                until: old.until.max(until),
            },
            None => HolderRecord { at, until },
        };
        holders.insert(whose.clone(), record);
        Ok(())
    }

    async fn is_revoked(&self, claims: &AccessClaims, now: Timestamp) -> Result<bool, StoreError> {
        if read(&self.revoked)
            .get(&claims.jwt_id)
            .is_some_and(|e| *e > now)
        {
            return Ok(true);
        }
        let Ok(issued_at) = Timestamp::from_unix_timestamp(claims.issued_at) else {
            return Ok(true);
        };
        let holders = read(&self.holders);
        let names = |whose: TokensOf| {
            holders
                .get(&whose)
                .is_some_and(|r| r.at >= issued_at && r.until > now)
        };
        Ok(names(TokensOf::Subject(claims.subject.clone()))
            || names(TokensOf::Client(claims.client_id.clone())))
    }
}

/// [`Revocations`] of one process: recorded in its [`MemRevokedTokens`] and heard by every
/// listener attached to it before `revoked` returns.
#[derive(Debug)]
pub struct MemRevocations {
    revoked: Arc<MemRevokedTokens>,
    clock: Arc<dyn Clock>,
    listeners: RwLock<Vec<Arc<dyn RevocationListener>>>,
}

impl MemRevocations {
    pub fn new(revoked: Arc<MemRevokedTokens>, clock: Arc<dyn Clock>) -> Self {
        Self {
            revoked,
            clock,
            listeners: RwLock::default(),
        }
    }

    /// Adds a listener (a server instance's cache of verified tokens).
    #[must_use]
    pub fn with_listener(self, listener: Arc<dyn RevocationListener>) -> Self {
        write(&self.listeners).push(listener);
        self
    }
}

#[async_trait]
impl Revocations for MemRevocations {
    async fn revoked(&self, revocation: &Revocation) -> Result<(), StoreError> {
        let now = self.clock.now();
        let whose = match revocation {
            Revocation::Subject(id) => Some(TokensOf::Subject(id.clone())),
            Revocation::Client(id) => Some(TokensOf::Client(id.clone())),
            Revocation::Token(_) | Revocation::Tenant(_) | Revocation::Everything => None,
        };
        if let Some(whose) = whose {
            self.revoked
                .revoke_all(&whose, now, now + MAX_TOKEN_LIFE)
                .await?;
        }
        let listeners = read(&self.listeners).clone();
        for listener in listeners {
            listener.heard(revocation);
        }
        Ok(())
    }
}
