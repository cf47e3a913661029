//! The security service's set-up check of a pending secret (`PUT /totp?index=&value=`): two
//! codes, the second of a later step, then the secret is the active one. Code 1 leaves a
//! one-use ticket in the code store that code 2 redeems, so the check holds across server
//! instances.

use super::{
    Authenticators, EnrolledSecret, SETUP_CODES, SETUP_TRIES_PER_MINUTE, SETUP_TTL, Secrets,
    SetupProgress, TotpError, TotpHolder, fingerprint,
};
use crate::{OtpCode, Redeem, SealedSecret};
use latchkey_core::{Rate, SecretHash, StoreError, Verdict};
use time::Duration;

impl Authenticators {
    /// The set-up check of a pending secret: code `index` 1, then code 2 of a later step (a
    /// code is never accepted twice), within [`SETUP_TTL`]; after code 2 the pending secret is
    /// the active one. Code 1 may be sent again (it starts the check over). `InvalidIndex`,
    /// `Malformed`, `NotPending`, `Mismatch`, `Replayed` (the same code again), `OutOfSequence`
    /// (code 2 without a live code 1 of this secret).
    pub async fn setup(
        &self,
        holder: &TotpHolder,
        index: u64,
        code: &str,
    ) -> Result<SetupProgress, TotpError> {
        if !(1..=SETUP_CODES).contains(&index) {
            return Err(TotpError::InvalidIndex);
        }
        self.count_setup_try(holder).await?;
        let code = OtpCode::parse(code).map_err(|_| TotpError::Malformed)?;
        let pending: Vec<EnrolledSecret> = match self.secrets(holder, Secrets::Any).await {
            Ok(secrets) => secrets.into_iter().filter(|s| s.pending).collect(),
            Err(TotpError::NotEnrolled) => Vec::new(),
            Err(e) => return Err(e),
        };
        if pending.is_empty() {
            return Err(TotpError::NotPending);
        }
        let (secret, step) = self.matching(&pending, &code).ok_or(TotpError::Mismatch)?;
        let ticket = setup_key(holder, &secret.sealed);
        if index < SETUP_CODES {
            self.accept_step(holder, secret, step).await?;
            // The first code proved: a one-use ticket that the second code redeems (the code
            // store makes it shared by every instance and taken exactly once).
            self.issue_ticket(&ticket).await?;
            return Ok(SetupProgress {
                next_index: index + 1,
                more_codes: true,
            });
        }
        // The ticket first, then the step: a second code sent too early uses up neither.
        match self
            .ports
            .steps
            .redeem(&ticket, &ticket_proof(&ticket), 1)
            .await
            .map_err(TotpError::Steps)?
        {
            Redeem::Accepted => {}
            Redeem::Mismatch { .. } | Redeem::Burnt | Redeem::Missing => {
                return Err(TotpError::OutOfSequence);
            }
        }
        if let Err(e) = self.accept_step(holder, secret, step).await {
            // The first code again (or an older one): the check stays where it was.
            self.issue_ticket(&ticket).await?;
            return Err(e);
        }
        self.activate(holder, secret).await?;
        Ok(SetupProgress {
            next_index: index,
            more_codes: false,
        })
    }

    /// Issues (or renews) the set-up ticket `ticket`, alive for [`SETUP_TTL`]: any earlier one
    /// and its resend interval are withdrawn first, so the new one always stands.
    async fn issue_ticket(&self, ticket: &str) -> Result<(), TotpError> {
        let steps = &self.ports.steps;
        steps.withdraw(ticket).await.map_err(TotpError::Steps)?;
        match steps
            .issue(
                ticket,
                &ticket_proof(ticket),
                SETUP_TTL,
                Duration::milliseconds(1),
            )
            .await
            .map_err(TotpError::Steps)?
        {
            crate::Issue::Issued => Ok(()),
            // Only a concurrent request of the same holder issued one in between: it stands.
            crate::Issue::TooSoon { .. } => Ok(()),
        }
    }

    async fn count_setup_try(&self, holder: &TotpHolder) -> Result<(), TotpError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let rate = Rate::new(SETUP_TRIES_PER_MINUTE, Duration::minutes(1))
            .map_err(|e| TotpError::Steps(StoreError::Unavailable(Box::new(e))))?;
        let key = format!("totp-setup:{}", holder.key());
        match limiter
            .hit(&key, rate, self.ports.clock.now())
            .await
            .map_err(TotpError::Steps)?
        {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { retry_after } => Err(TotpError::Throttled { retry_after }),
        }
    }
}

/// The set-up check's ticket of one pending secret.
fn setup_key(holder: &TotpHolder, sealed: &SealedSecret) -> String {
    format!("totp-setup:{}:{}", holder.key(), fingerprint(sealed))
}

/// What the ticket's "code" is: the ticket names itself; only the code store's single use
/// matters.
fn ticket_proof(ticket: &str) -> SecretHash {
    SecretHash::of(ticket.as_bytes())
}
