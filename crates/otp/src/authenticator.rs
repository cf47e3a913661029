//! The one TOTP authenticator of every face: a credential's (the Credentials API's endpoints
//! 18-21, the login server, the security service's `/subtotp`) and an operator's (`/totp`,
//! `/oauth2`). Who holds it changes only where its secret is stored and what the secret is
//! bound to; enrolling, checking a code, refusing a replayed step and activating a pending
//! secret are the same code for everyone.
//!
//! - A new secret is *pending*: it works for nothing until its authenticator proves it holds
//!   it, then it becomes the *active* one (an older active secret keeps working until then).
//! - Secrets are sealed by the [`SecretCipher`], bound to their holder: a sealed secret copied
//!   to another holder's row does not open.
//! - A code is accepted within ±1 step, and each secret's steps are accepted at most once and
//!   forward only ([`OtpStore::accept_step`]): a code seen on the wire cannot be played again.
//! - The security service's set-up check (`PUT /totp?index=1..2`) wants two codes of the
//!   pending secret, the second of a later step than the first, before it activates it
//!   ([`Authenticators::setup`]).

use crate::{
    OperatorTotpStore, OtpCode, OtpStore, SealedSecret, SecretCipher, TotpSecret, TotpStore,
    matching_step,
};
use latchkey_core::{
    BoxError, Clock, OrgId, RateLimiter, SecretHash, SecureRandom, StoreError, Timestamp,
};
use std::fmt;
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// How long a TOTP replay marker is kept: longer than the three steps a code is valid in.
const STEP_MEMORY: Duration = Duration::seconds(120);

/// How long the first code of a set-up check waits for the second (owsec's 15 minutes).
pub const SETUP_TTL: Duration = Duration::minutes(15);

/// The codes of the set-up check.
pub const SETUP_CODES: u64 = 2;

/// Set-up codes a holder may send per minute (with a limiter): two are needed, and a guesser of
/// a 6-digit code gets no further than this.
pub const SETUP_TRIES_PER_MINUTE: u32 = 10;

/// Whose authenticator it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TotpHolder {
    /// A credential (a customer, a subscriber) of a tenant, by id.
    Credential { org: OrgId, id: Uuid },
    /// An operator of the security service, by id.
    Operator(Uuid),
}

impl TotpHolder {
    pub fn credential(org: &OrgId, id: Uuid) -> Self {
        TotpHolder::Credential {
            org: org.clone(),
            id,
        }
    }

    /// What a sealed secret is bound to. A credential's is the one its secrets have been sealed
    /// with since they exist; `@` never starts an org id, so an operator's cannot be one.
    fn context(&self) -> Vec<u8> {
        match self {
            TotpHolder::Credential { org, id } => format!("totp\u{0}{org}\u{0}{id}"),
            TotpHolder::Operator(id) => format!("totp\u{0}@operator\u{0}{id}"),
        }
        .into_bytes()
    }

    /// The prefix of the holder's keys in the [`OtpStore`].
    fn key(&self) -> String {
        match self {
            TotpHolder::Credential { org, id } => format!("{org}:{id}"),
            TotpHolder::Operator(id) => format!("@operator:{id}"),
        }
    }
}

/// A decrypted secret of an enrollment.
pub struct EnrolledSecret {
    sealed: SealedSecret,
    secret: TotpSecret,
    pending: bool,
}

impl EnrolledSecret {
    pub fn secret(&self) -> &TotpSecret {
        &self.secret
    }

    /// Waiting for its authenticator to prove itself.
    pub fn is_pending(&self) -> bool {
        self.pending
    }
}

impl fmt::Debug for EnrolledSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EnrolledSecret")
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// Which secrets of an enrollment a code may match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// The active one only: a sign-in (a pending secret has not proved itself).
    Active,
    /// The active one, then the pending one.
    Any,
}

/// Where the set-up check stands after a right code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetupProgress {
    /// The index of the code to send next (the one just checked when no more are wanted).
    pub next_index: u64,
    /// `false`: the pending secret is now the active one.
    pub more_codes: bool,
}

/// Why a TOTP operation refused.
#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("no authenticator is enrolled")]
    NotEnrolled,
    #[error("no authenticator is being set up")]
    NotPending,
    #[error("the code is not valid now")]
    Mismatch,
    #[error("this code (or a later one) has been used already")]
    Replayed,
    #[error("the set-up codes come in order: the first one is missing or expired")]
    OutOfSequence,
    #[error("the set-up check has codes 1 and 2 only")]
    InvalidIndex,
    #[error("the code must be 6 digits")]
    Malformed,
    /// Too many set-up codes in a minute.
    #[error("too many codes: wait before trying again")]
    Throttled { retry_after: Duration },
    /// A sealed secret that does not open (another key, a changed row), or no key at all.
    #[error("the TOTP secret cannot be sealed or opened")]
    Cipher(#[source] BoxError),
    /// The enrollments' storage.
    #[error("the TOTP enrollments are unavailable")]
    Store(#[source] StoreError),
    /// The replay markers' storage (Redis when configured).
    #[error("the second-factor store is unavailable")]
    Steps(#[source] StoreError),
}

/// What [`Authenticators`] are built from.
#[derive(Debug, Clone)]
pub struct AuthenticatorPorts {
    /// Credentials' enrollments (each tenant's schema).
    pub credentials: Arc<dyn TotpStore>,
    /// Seals secrets at rest.
    pub cipher: Arc<dyn SecretCipher>,
    /// Replay markers and the set-up check's progress, shared by every instance.
    pub steps: Arc<dyn OtpStore>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
}

/// The TOTP use cases, for every holder; cheap to clone.
#[derive(Debug, Clone)]
pub struct Authenticators {
    ports: Arc<AuthenticatorPorts>,
    operators: Option<Arc<dyn OperatorTotpStore>>,
    limiter: Option<Arc<dyn RateLimiter>>,
}

impl Authenticators {
    /// Authenticators of credentials; operators' need [`Authenticators::with_operators`].
    pub fn new(ports: AuthenticatorPorts) -> Self {
        Self {
            ports: Arc::new(ports),
            operators: None,
            limiter: None,
        }
    }

    /// Where operators' enrollments are stored. Without it an operator's authenticator is
    /// `Store(Unavailable)`.
    #[must_use]
    pub fn with_operators(mut self, store: Arc<dyn OperatorTotpStore>) -> Self {
        self.operators = Some(store);
        self
    }

    /// Limits the set-up codes of each holder to [`SETUP_TRIES_PER_MINUTE`] (`Throttled`), on
    /// `limiter` (shared by every instance where it is).
    #[must_use]
    pub fn with_setup_limit(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// The holder's secrets, decrypted, the active one first; `NotEnrolled` when `which` leaves
    /// none.
    pub async fn secrets(
        &self,
        holder: &TotpHolder,
        which: Secrets,
    ) -> Result<Vec<EnrolledSecret>, TotpError> {
        let Some(enrollment) = self.stored(holder).await? else {
            return Err(TotpError::NotEnrolled);
        };
        let pending = match which {
            Secrets::Active => None,
            Secrets::Any => enrollment.pending,
        };
        let context = holder.context();
        let secrets: Vec<EnrolledSecret> = [(enrollment.active, false), (pending, true)]
            .into_iter()
            .filter_map(|(stored, pending)| stored.map(|s| (s.sealed, pending)))
            .map(|(sealed, pending)| {
                let plain = self
                    .ports
                    .cipher
                    .open(&sealed, &context)
                    .map_err(TotpError::Cipher)?;
                let secret =
                    TotpSecret::from_bytes(plain).map_err(|e| TotpError::Cipher(Box::new(e)))?;
                Ok(EnrolledSecret {
                    sealed,
                    secret,
                    pending,
                })
            })
            .collect::<Result<_, TotpError>>()?;
        if secrets.is_empty() {
            return Err(TotpError::NotEnrolled);
        }
        Ok(secrets)
    }

    /// Whether the holder has an active secret (an authenticator that proved itself).
    pub async fn is_active(&self, holder: &TotpHolder) -> Result<bool, TotpError> {
        Ok(self
            .stored(holder)
            .await?
            .is_some_and(|e| e.active.is_some()))
    }

    /// A new pending secret (160 bits, sealed), replacing any earlier pending one; an active
    /// one keeps working until the new one proves itself.
    pub async fn enroll(&self, holder: &TotpHolder) -> Result<TotpSecret, TotpError> {
        let secret = TotpSecret::generate(self.ports.random.as_ref());
        let sealed = self
            .ports
            .cipher
            .seal(secret.expose(), &holder.context())
            .map_err(TotpError::Cipher)?;
        let now = self.ports.clock.now();
        let result = match (holder, &self.operators) {
            (TotpHolder::Credential { org, id }, _) => {
                self.ports
                    .credentials
                    .put_pending(org, *id, sealed, now)
                    .await
            }
            (TotpHolder::Operator(id), Some(store)) => store.put_pending(*id, sealed, now).await,
            (TotpHolder::Operator(_), None) => Err(no_operator_store()),
        };
        result.map_err(TotpError::Store)?;
        Ok(secret)
    }

    /// The pending secret being set up, or (`reset`, or none pending) a new one. The active
    /// secret is never answered: it is shown once, while pending, and never read back.
    pub async fn pending_or_enroll(
        &self,
        holder: &TotpHolder,
        reset: bool,
    ) -> Result<TotpSecret, TotpError> {
        if !reset {
            match self.secrets(holder, Secrets::Any).await {
                Ok(secrets) => {
                    if let Some(pending) = secrets.into_iter().find(|s| s.pending) {
                        return Ok(pending.secret);
                    }
                }
                Err(TotpError::NotEnrolled) => {}
                Err(e) => return Err(e),
            }
        }
        self.enroll(holder).await
    }

    /// The secret among `secrets` whose code at ±1 step of now is `code`, and that step.
    pub fn matching<'a>(
        &self,
        secrets: &'a [EnrolledSecret],
        code: &OtpCode,
    ) -> Option<(&'a EnrolledSecret, u64)> {
        let now = unix_seconds(self.ports.clock.now());
        secrets
            .iter()
            .find_map(|s| matching_step(&s.secret, code.expose(), now).map(|step| (s, step)))
    }

    /// Accepts `step` of `secret` once: `Replayed` when it, or a later step, was accepted
    /// before. Each secret has its own steps (a new phone's first code may fall in the step the
    /// old phone's last code used), kept when it goes from pending to active.
    pub async fn accept_step(
        &self,
        holder: &TotpHolder,
        secret: &EnrolledSecret,
        step: u64,
    ) -> Result<(), TotpError> {
        let first = self
            .ports
            .steps
            .accept_step(&step_key(holder, &secret.sealed), step, STEP_MEMORY)
            .await
            .map_err(TotpError::Steps)?;
        if first {
            Ok(())
        } else {
            Err(TotpError::Replayed)
        }
    }

    /// Makes the pending `secret` the active one. A newer enrollment that replaced it meanwhile
    /// stays pending (and this is no error: the code was right).
    pub async fn activate(
        &self,
        holder: &TotpHolder,
        secret: &EnrolledSecret,
    ) -> Result<(), TotpError> {
        let now = self.ports.clock.now();
        let result = match (holder, &self.operators) {
            (TotpHolder::Credential { org, id }, _) => {
                self.ports
                    .credentials
                    .activate(org, *id, &secret.sealed, now)
                    .await
            }
            (TotpHolder::Operator(id), Some(store)) => {
                store.activate(*id, &secret.sealed, now).await
            }
            (TotpHolder::Operator(_), None) => Err(no_operator_store()),
        };
        match result {
            Ok(()) | Err(StoreError::NotFound) => Ok(()),
            Err(e @ (StoreError::Conflict | StoreError::Unavailable(_))) => {
                Err(TotpError::Store(e))
            }
        }
    }

    /// A sign-in's second factor: `code` from the holder's active authenticator, accepted once.
    /// `Malformed`, `NotEnrolled`, `Mismatch`, `Replayed`. Slowing down guessers is the
    /// caller's (it knows the sign-in's keys).
    pub async fn check_login(&self, holder: &TotpHolder, code: &str) -> Result<(), TotpError> {
        let code = OtpCode::parse(code).map_err(|_| TotpError::Malformed)?;
        let secrets = self.secrets(holder, Secrets::Active).await?;
        let (secret, step) = self.matching(&secrets, &code).ok_or(TotpError::Mismatch)?;
        self.accept_step(holder, secret, step).await
    }

    /// Removes the holder's enrollment (active and pending), if any.
    pub async fn remove(&self, holder: &TotpHolder) -> Result<(), TotpError> {
        match (holder, &self.operators) {
            (TotpHolder::Credential { org, id }, _) => {
                self.ports.credentials.delete(org, *id).await
            }
            (TotpHolder::Operator(id), Some(store)) => store.delete(*id).await,
            (TotpHolder::Operator(_), None) => Err(no_operator_store()),
        }
        .map_err(TotpError::Store)
    }

    async fn stored(
        &self,
        holder: &TotpHolder,
    ) -> Result<Option<crate::TotpEnrollment>, TotpError> {
        match (holder, &self.operators) {
            (TotpHolder::Credential { org, id }, _) => self.ports.credentials.get(org, *id).await,
            (TotpHolder::Operator(id), Some(store)) => store.get(*id).await,
            (TotpHolder::Operator(_), None) => Err(no_operator_store()),
        }
        .map_err(TotpError::Store)
    }
}

fn no_operator_store() -> StoreError {
    StoreError::Unavailable("no store of operators' authenticators is configured".into())
}

/// The replay key of one secret of a holder.
fn step_key(holder: &TotpHolder, sealed: &SealedSecret) -> String {
    format!("{}:{}", holder.key(), fingerprint(sealed))
}

fn fingerprint(sealed: &SealedSecret) -> String {
    let hex = SecretHash::of(&sealed.0).to_hex();
    hex.chars().take(16).collect()
}

fn unix_seconds(t: Timestamp) -> u64 {
    u64::try_from(t.unix_timestamp()).unwrap_or(0)
}

#[path = "authenticator_setup.rs"]
mod setup;

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "tests")]
mod tests {
    use super::*;

    /// Secrets sealed before `Authenticators` existed are bound to exactly this context: a
    /// change would leave every enrolled app unreadable.
    #[test]
    fn a_credentials_secret_keeps_its_context_and_an_operators_cannot_collide() {
        let id = Uuid::from_u128(0xa11a);
        let org = OrgId::parse("yoigo").unwrap();
        assert_eq!(
            TotpHolder::credential(&org, id).context(),
            format!("totp\u{0}yoigo\u{0}{id}").into_bytes()
        );
        assert_ne!(
            TotpHolder::Operator(id).context(),
            TotpHolder::credential(&org, id).context()
        );
        assert!(
            OrgId::parse("@operator").is_err(),
            "no org can pass for an operator"
        );
        assert_ne!(
            TotpHolder::Operator(id).key(),
            TotpHolder::credential(&org, id).key()
        );
    }
}
