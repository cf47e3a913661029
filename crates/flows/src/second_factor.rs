//! Second factors (endpoints 16-21): one-time codes sent to one of the credential's contacts,
//! and TOTP enrollment and validation. The rules are `latchkey-otp`'s; this module adds the
//! credential, the tenant, delivery, encryption at rest and rate limits.

use crate::{FlowError, FlowLimits, LimitScope};
use latchkey_core::SecretString;
use latchkey_core::{Clock, OrgId, RateLimiter, SecureRandom, Verdict};
use latchkey_credential::{Credential, CredentialError, CredentialService};
use latchkey_notify::Notifier;
use latchkey_otp::{
    AuthenticatorPorts, Authenticators, EnrolledSecret, OtpCode, OtpStore, SecretCipher, Secrets,
    TotpError, TotpHolder, TotpStore, code_at, otpauth_uri, seconds_left, step_of,
};
use latchkey_tenancy::{Principal, Scope, Tenant};
use std::sync::Arc;
use time::Duration;

/// Why a code was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodeRefusal {
    #[error("wrong code; {tries_left} tries left")]
    OtpMismatch { tries_left: u32 },
    #[error("wrong code; it can no longer be used: request a new one")]
    OtpBurnt,
    #[error("no code is pending (expired, used, burnt or never sent): request a new one")]
    OtpNotPending,
    #[error("a code was sent less than 30 s ago")]
    OtpTooSoon { retry_after: Duration },
    #[error("the TOTP code is not valid now")]
    TotpMismatch,
    #[error("this TOTP code (or a later one) has been used already")]
    TotpReplayed,
    #[error("the credential has no TOTP enrollment")]
    TotpNotEnrolled,
    /// A customer's token replacing an active authenticator without a code from it (and
    /// without a sign-in that used the second factor).
    #[error("replacing the authenticator needs a current code from it, or a sign-in with it")]
    TotpCodeRequired,
    /// A customer's token asking for the QR code while no enrollment is in progress: an active
    /// secret is never shown again to a customer's token.
    #[error("no authenticator is being set up: an active one's secret is never shown again")]
    TotpNotPending,
}

/// The current TOTP code (endpoint 21).
#[derive(Debug)]
pub struct Passcode {
    pub code: SecretString,
    /// Seconds left in its step.
    pub expires_in: u64,
}

/// The second-factor use cases.
#[derive(Debug, Clone)]
pub struct SecondFactors {
    credentials: CredentialService,
    pub(crate) codes: Arc<dyn OtpStore>,
    /// The one TOTP implementation (`latchkey_otp`), on the tenants' enrollments.
    authenticators: Authenticators,
    pub(crate) notifier: Arc<dyn Notifier>,
    limiter: Arc<dyn RateLimiter>,
    limits: FlowLimits,
    clock: Arc<dyn Clock>,
    pub(crate) random: Arc<dyn SecureRandom>,
}

/// The ports and settings of [`SecondFactors`].
#[derive(Debug, Clone)]
pub struct SecondFactorPorts {
    pub codes: Arc<dyn OtpStore>,
    pub totp: Arc<dyn TotpStore>,
    pub cipher: Arc<dyn SecretCipher>,
    pub notifier: Arc<dyn Notifier>,
    pub limiter: Arc<dyn RateLimiter>,
    pub limits: FlowLimits,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
}

impl SecondFactors {
    pub fn new(credentials: CredentialService, ports: SecondFactorPorts) -> Self {
        let authenticators = Authenticators::new(AuthenticatorPorts {
            credentials: ports.totp,
            cipher: ports.cipher,
            steps: ports.codes.clone(),
            clock: ports.clock.clone(),
            random: ports.random.clone(),
        });
        Self {
            credentials,
            codes: ports.codes,
            authenticators,
            notifier: ports.notifier,
            limiter: ports.limiter,
            limits: ports.limits,
            clock: ports.clock,
            random: ports.random,
        }
    }

    /// Endpoint 19: a new pending TOTP secret (160 bits, encrypted at rest), replacing any
    /// earlier pending one; answers its otpauth URI (for the QR code). The first valid code of
    /// the new secret (endpoint 20) makes it the active one; until then an active secret keeps
    /// working, so enrolling a new phone never locks the customer out half-way.
    pub async fn enroll_totp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<SecretString, FlowError> {
        self.enroll_totp_replacing(caller, org, username, None)
            .await
    }

    /// [`SecondFactors::enroll_totp`], with a customer's token's rules (see `guard`): a recent
    /// full sign-in, and over an active authenticator `current_code` from it (unless the
    /// sign-in used the second factor).
    pub async fn enroll_totp_replacing(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        current_code: Option<&str>,
    ) -> Result<SecretString, FlowError> {
        let (tenant, credential) = self.enter(caller, Scope::Totp, org, username).await?;
        self.guard_enrollment(caller, org, &credential, current_code)
            .await?;
        let secret = self
            .authenticators
            .enroll(&holder(org, &credential))
            .await
            .map_err(refusal)?;
        Ok(otpauth_uri(
            tenant.name.as_str(),
            credential.username.as_str(),
            &secret,
        ))
    }

    /// Endpoint 18: the otpauth URI of the current enrollment: the pending secret while one is
    /// being set up (so its QR code can be shown again), else the active one. To a customer's
    /// token (with a recent sign-in) only the pending one: `TotpNotPending` without it.
    pub async fn totp_uri(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<SecretString, FlowError> {
        let (tenant, credential) = self.enter(caller, Scope::Totp, org, username).await?;
        let secrets = self.enrollment(org, &credential).await?;
        let shown = self.shown_secret(caller, &credential, &secrets)?;
        Ok(otpauth_uri(
            tenant.name.as_str(),
            credential.username.as_str(),
            shown.secret(),
        ))
    }

    /// Endpoint 20: checks a TOTP code (±1 step) against the active secret, then the pending
    /// one. A step of a secret is accepted once, and never one older than its last accepted.
    /// The first valid code of a pending secret makes it the active one: with a customer's
    /// token, only after a recent full sign-in (it replaces the authenticator).
    pub async fn check_totp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        code: &str,
    ) -> Result<(), FlowError> {
        self.totp_code(caller, org, username, code, true).await
    }

    /// A login's second factor: like [`SecondFactors::check_totp`], but only the active secret
    /// counts (a pending enrollment has not proved itself and cannot sign anyone in).
    pub async fn check_login_totp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        code: &str,
    ) -> Result<(), FlowError> {
        self.totp_code(caller, org, username, code, false).await
    }

    async fn totp_code(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        code: &str,
        with_pending: bool,
    ) -> Result<(), FlowError> {
        let (_, credential) = self.enter(caller, Scope::Totp, org, username).await?;
        let code = OtpCode::parse(code).map_err(|_| FlowError::MalformedCode)?;
        self.throttle("totp_check", org, &credential).await?;
        let holder = holder(org, &credential);
        let which = if with_pending {
            Secrets::Any
        } else {
            Secrets::Active
        };
        let secrets = self
            .authenticators
            .secrets(&holder, which)
            .await
            .map_err(refusal)?;
        let (matched, step) = self
            .authenticators
            .matching(&secrets, &code)
            .ok_or(FlowError::Code(CodeRefusal::TotpMismatch))?;
        if matched.is_pending() && caller.is_customer() {
            self.guard_change(caller, &credential)?;
        }
        self.authenticators
            .accept_step(&holder, matched, step)
            .await
            .map_err(refusal)?;
        if matched.is_pending() {
            // A newer enrollment that replaced this one meanwhile stays pending.
            self.authenticators
                .activate(&holder, matched)
                .await
                .map_err(refusal)?;
        }
        Ok(())
    }

    /// Endpoint 21: the current TOTP code (of the active secret, else the pending one) and the
    /// seconds it stays valid.
    pub async fn totp_passcode(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<Passcode, FlowError> {
        let (_, credential) = self
            .enter(caller, Scope::TotpPasscode, org, username)
            .await?;
        let secrets = self.enrollment(org, &credential).await?;
        let current = secrets
            .first()
            .ok_or(FlowError::Code(CodeRefusal::TotpNotEnrolled))?;
        let now = unix_seconds(self.clock.now());
        Ok(Passcode {
            code: SecretString::from(code_at(current.secret(), step_of(now))),
            expires_in: seconds_left(now),
        })
    }

    pub(crate) async fn enter(
        &self,
        caller: &Principal,
        scope: Scope,
        org: &OrgId,
        username: &str,
    ) -> Result<(Tenant, Credential), FlowError> {
        Ok(self
            .credentials
            .live_for(caller, scope, org, username)
            .await?)
    }

    /// Whether the credential has an active TOTP secret (an authenticator that proved itself).
    pub async fn totp_enrolled(
        &self,
        org: &OrgId,
        credential: &Credential,
    ) -> Result<bool, FlowError> {
        self.authenticators
            .is_active(&holder(org, credential))
            .await
            .map_err(refusal)
    }

    /// The credential's TOTP secrets, decrypted: the active one first, then the pending one;
    /// `TotpNotEnrolled` when it has neither.
    async fn enrollment(
        &self,
        org: &OrgId,
        credential: &Credential,
    ) -> Result<Vec<EnrolledSecret>, FlowError> {
        self.authenticators
            .secrets(&holder(org, credential), Secrets::Any)
            .await
            .map_err(refusal)
    }

    pub(crate) async fn throttle(
        &self,
        action: &str,
        org: &OrgId,
        credential: &Credential,
    ) -> Result<(), FlowError> {
        let key = format!("{action}:{org}:{}", credential.username.as_str());
        match self
            .limiter
            .hit(&key, self.limits.per_credential, self.clock.now())
            .await
            .map_err(FlowError::RateLimiter)?
        {
            Verdict::Allowed => Ok(()),
            Verdict::Limited { retry_after } => Err(FlowError::RateLimited {
                scope: LimitScope::Credential,
                retry_after,
            }),
        }
    }
}

/// Whose authenticator: the credential, by id (a username created again is a new credential).
fn holder(org: &OrgId, credential: &Credential) -> TotpHolder {
    TotpHolder::credential(org, credential.id)
}

/// A refusal of the TOTP implementation as the flows answer it.
fn refusal(e: TotpError) -> FlowError {
    match e {
        TotpError::NotEnrolled => FlowError::Code(CodeRefusal::TotpNotEnrolled),
        TotpError::NotPending => FlowError::Code(CodeRefusal::TotpNotPending),
        // The set-up check's refusals: the flows never run it, a code is just wrong there.
        TotpError::Mismatch | TotpError::OutOfSequence | TotpError::InvalidIndex => {
            FlowError::Code(CodeRefusal::TotpMismatch)
        }
        TotpError::Replayed => FlowError::Code(CodeRefusal::TotpReplayed),
        TotpError::Malformed => FlowError::MalformedCode,
        TotpError::Throttled { retry_after } => FlowError::RateLimited {
            scope: LimitScope::Credential,
            retry_after,
        },
        TotpError::Cipher(e) => FlowError::Cipher(e),
        TotpError::Store(e) => FlowError::Credential(CredentialError::Store(e)),
        TotpError::Steps(e) => FlowError::SecondFactorStore(e),
    }
}

fn unix_seconds(t: latchkey_core::Timestamp) -> u64 {
    u64::try_from(t.unix_timestamp()).unwrap_or(0)
}

#[path = "second_factor_guard.rs"]
mod guard;

#[cfg(test)]
#[path = "second_factor_tests.rs"]
mod tests;
