//! What a customer's own token may do to its authenticator. A token is a bearer credential that
//! leaks (logs, a compromised app): on its own it must never become the account (ASVS 5.0
//! V7.5.1, V6.3.4). So, with a customer's token:
//!
//! - endpoint 18 shows the QR code of a *pending* enrollment only, never the active secret;
//! - enrolling (19), activating a pending secret (20) or reading a pending one (18) needs a
//!   recent full sign-in (`Principal::require_recent_sign_in`);
//! - enrolling over an active authenticator also needs a code from it, unless the sign-in
//!   itself used the second factor.
//!
//! Service tokens (sibling services holding `totp`) keep the endpoints as documented.

use super::{SecondFactors, holder, refusal};
use crate::{CodeRefusal, FlowError};
use latchkey_core::OrgId;
use latchkey_credential::{Credential, CredentialError};
use latchkey_otp::{EnrolledSecret, OtpCode, Secrets, TotpError};
use latchkey_tenancy::Principal;

impl SecondFactors {
    /// A customer's token about to change the credential's authenticator: a recent full
    /// sign-in, or `Denied(ReauthenticationRequired)`.
    pub(super) fn guard_change(
        &self,
        caller: &Principal,
        credential: &Credential,
    ) -> Result<(), FlowError> {
        caller
            .require_recent_sign_in(self.clock.now().unix_timestamp(), credential.require2fa)
            .map_err(|d| FlowError::Credential(CredentialError::Denied(d)))
    }

    /// Before a customer's token enrols a new authenticator (endpoint 19): a recent full
    /// sign-in; and over an active authenticator, a sign-in with the second factor or
    /// `current_code`, a valid code of that authenticator (accepted once, and counted against
    /// the credential's rate like endpoint 20's). `TotpCodeRequired` without either.
    pub(super) async fn guard_enrollment(
        &self,
        caller: &Principal,
        org: &OrgId,
        credential: &Credential,
        current_code: Option<&str>,
    ) -> Result<(), FlowError> {
        if !caller.is_customer() {
            return Ok(());
        }
        self.guard_change(caller, credential)?;
        if caller.signed_in_with_second_factor() {
            return Ok(());
        }
        let holder = holder(org, credential);
        let active: Vec<EnrolledSecret> =
            match self.authenticators.secrets(&holder, Secrets::Active).await {
                Ok(secrets) => secrets,
                Err(TotpError::NotEnrolled) => Vec::new(),
                Err(e) => return Err(refusal(e)),
            };
        if active.is_empty() {
            return Ok(());
        }
        let code = current_code.ok_or(FlowError::Code(CodeRefusal::TotpCodeRequired))?;
        let code = OtpCode::parse(code).map_err(|_| FlowError::MalformedCode)?;
        self.throttle("totp_check", org, credential).await?;
        let (matched, step) = self
            .authenticators
            .matching(&active, &code)
            .ok_or(FlowError::Code(CodeRefusal::TotpMismatch))?;
        self.authenticators
            .accept_step(&holder, matched, step)
            .await
            .map_err(refusal)
    }

    /// The secret endpoint 18 shows: to a service token the pending one, else the active one;
    /// to a customer's token, with a recent sign-in, the pending one only (`TotpNotPending`
    /// without one: an active secret is never read back with a token).
    pub(super) fn shown_secret<'a>(
        &self,
        caller: &Principal,
        credential: &Credential,
        secrets: &'a [EnrolledSecret],
    ) -> Result<&'a EnrolledSecret, FlowError> {
        let pending = secrets.iter().find(|s| s.is_pending());
        if !caller.is_customer() {
            return pending
                .or(secrets.first())
                .ok_or(FlowError::Code(CodeRefusal::TotpNotEnrolled));
        }
        self.guard_change(caller, credential)?;
        pending.ok_or(FlowError::Code(CodeRefusal::TotpNotPending))
    }
}

#[cfg(test)]
#[path = "second_factor_guard_tests.rs"]
mod tests;
