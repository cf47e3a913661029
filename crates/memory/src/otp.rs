//! Second-factor state in process memory: one-time codes, resend throttles and TOTP replay
//! markers (the dev-mode default; Redis shares them between instances), and TOTP enrollments.

use crate::totp_records::TotpRecords;
use crate::write;
use async_trait::async_trait;
use latchkey_core::{Clock, OrgId, SecretHash, StoreError, Timestamp};
use latchkey_otp::{Issue, OtpStore, Redeem, SealedSecret, TotpEnrollment, TotpStore};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use time::Duration;
use uuid::Uuid;

/// Past this many entries, an issue first forgets the expired ones (expired entries are ignored
/// anyway), so memory follows the codes in use.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
struct Code {
    hash: SecretHash,
    wrong: u32,
    expires: Timestamp,
}

#[derive(Debug, Default)]
struct State {
    codes: HashMap<String, Code>,
    /// Key → end of its resend interval.
    throttles: HashMap<String, Timestamp>,
    /// Key → (last accepted step, forgotten at).
    steps: HashMap<String, (u64, Timestamp)>,
}

/// Every entry expires on `clock`, as Redis keys expire on their TTL.
#[derive(Debug)]
pub struct MemOtpStore {
    clock: Arc<dyn Clock>,
    state: RwLock<State>,
}

impl MemOtpStore {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self {
            clock,
            state: RwLock::default(),
        }
    }
}

#[async_trait]
impl OtpStore for MemOtpStore {
    async fn issue(
        &self,
        key: &str,
        hash: &SecretHash,
        ttl: Duration,
        resend_after: Duration,
    ) -> Result<Issue, StoreError> {
        let now = self.clock.now();
        let mut state = write(&self.state);
        if state.codes.len() + state.throttles.len() > PRUNE_ABOVE {
            state.codes.retain(|_, c| c.expires > now);
            state.throttles.retain(|_, until| *until > now);
            state
                .steps
                .retain(|_, (_, forgotten_at)| *forgotten_at > now);
        }
        if let Some(until) = state.throttles.get(key).filter(|until| **until > now) {
            return Ok(Issue::TooSoon {
                retry_after: *until - now,
            });
        }
        state.codes.insert(
            key.to_owned(),
            Code {
                hash: hash.clone(),
                wrong: 0,
                expires: now + ttl,
            },
        );
        state.throttles.insert(key.to_owned(), now + resend_after);
        Ok(Issue::Issued)
    }

    async fn redeem(
        &self,
        key: &str,
        candidate: &SecretHash,
        max_attempts: u32,
    ) -> Result<Redeem, StoreError> {
        let now = self.clock.now();
        let mut state = write(&self.state);
        let Some(code) = state.codes.get_mut(key).filter(|c| c.expires > now) else {
            state.codes.remove(key);
            return Ok(Redeem::Missing);
        };
        if code.hash == *candidate {
            state.codes.remove(key);
            return Ok(Redeem::Accepted);
        }
        code.wrong += 1;
        if code.wrong >= max_attempts {
            state.codes.remove(key);
            return Ok(Redeem::Burnt);
        }
        Ok(Redeem::Mismatch {
            tries_left: max_attempts - code.wrong,
        })
    }

    async fn withdraw(&self, key: &str) -> Result<(), StoreError> {
        let mut state = write(&self.state);
        state.codes.remove(key);
        state.throttles.remove(key);
        Ok(())
    }

    async fn accept_step(&self, key: &str, step: u64, ttl: Duration) -> Result<bool, StoreError> {
        let now = self.clock.now();
        let mut state = write(&self.state);
        let last = state
            .steps
            .get(key)
            .filter(|(_, forgotten_at)| *forgotten_at > now)
            .map(|(last, _)| *last);
        if last.is_some_and(|last| step <= last) {
            return Ok(false);
        }
        state.steps.insert(key.to_owned(), (step, now + ttl));
        Ok(true)
    }
}

/// TOTP enrollments per org and credential id.
#[derive(Debug, Default)]
pub struct MemTotpStore {
    records: TotpRecords<(OrgId, Uuid)>,
}

#[async_trait]
impl TotpStore for MemTotpStore {
    async fn get(
        &self,
        org: &OrgId,
        credential: Uuid,
    ) -> Result<Option<TotpEnrollment>, StoreError> {
        Ok(self.records.get(&(org.clone(), credential)))
    }

    async fn put_pending(
        &self,
        org: &OrgId,
        credential: Uuid,
        secret: SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.records
            .put_pending((org.clone(), credential), secret, at);
        Ok(())
    }

    async fn activate(
        &self,
        org: &OrgId,
        credential: Uuid,
        secret: &SealedSecret,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        self.records
            .activate(&(org.clone(), credential), secret, at)
    }

    async fn delete(&self, org: &OrgId, credential: Uuid) -> Result<(), StoreError> {
        self.records.delete(&(org.clone(), credential));
        Ok(())
    }
}
