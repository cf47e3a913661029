//! Second factors (endpoints 16-21): one-time codes sent to one of the credential's contacts,
//! and TOTP enrollment and validation. The rules are `latchkey-otp`'s; this module adds the
//! credential, the tenant, delivery, encryption at rest and rate limits.

use crate::contact::{self, ContactError};
use crate::{FlowError, FlowLimits, LimitScope};
use latchkey_core::SecretString;
use latchkey_core::{Clock, OrgId, RateLimiter, SecretHash, SecureRandom, StoreError, Verdict};
use latchkey_credential::{Credential, CredentialError, CredentialService};
use latchkey_notify::{Language, Message, Notifier, TemplateId};
use latchkey_otp::{
    CODE_TTL, Issue, MAX_ATTEMPTS, OtpCode, OtpStore, RESEND_AFTER, Redeem, SealedSecret,
    SecretCipher, TotpSecret, TotpStore, code_at, code_hash, generate_code, matching_step,
    otpauth_uri, seconds_left, step_of,
};
use latchkey_tenancy::{Principal, Scope, Tenant};
use std::sync::Arc;
use time::Duration;

/// How long a TOTP replay marker is kept: longer than the three steps a code is valid in.
const STEP_MEMORY: Duration = Duration::seconds(120);

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
    codes: Arc<dyn OtpStore>,
    totp: Arc<dyn TotpStore>,
    cipher: Arc<dyn SecretCipher>,
    notifier: Arc<dyn Notifier>,
    limiter: Arc<dyn RateLimiter>,
    limits: FlowLimits,
    clock: Arc<dyn Clock>,
    random: Arc<dyn SecureRandom>,
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
        Self {
            credentials,
            codes: ports.codes,
            totp: ports.totp,
            cipher: ports.cipher,
            notifier: ports.notifier,
            limiter: ports.limiter,
            limits: ports.limits,
            clock: ports.clock,
            random: ports.random,
        }
    }

    /// Endpoint 16: sends a new 6-digit code to the contact `hint` names (the first contact
    /// without one), in `language`; answers its lifetime. `OtpTooSoon` within 30 s of the last
    /// code. When delivery fails the code is withdrawn (and may be requested again at once).
    pub async fn send_otp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        language: Option<&str>,
        hint: Option<&str>,
    ) -> Result<Duration, FlowError> {
        let (tenant, credential) = self.enter(caller, Scope::Otp, org, username).await?;
        if !credential.enabled {
            return Err(CredentialError::Disabled.into());
        }
        let contact = contact::choose(&credential, hint).map_err(|e| match e {
            ContactError::NotAContact => FlowError::InvalidHint,
            ContactError::NoContact => FlowError::NoContact,
        })?;
        self.throttle("otp_send", org, &credential).await?;
        let code = generate_code(self.random.as_ref());
        let name = credential.username.as_str();
        let key = key(org, name);
        let hash = code_hash(org, name, &code);
        match self
            .codes
            .issue(&key, &hash, CODE_TTL, RESEND_AFTER)
            .await
            .map_err(FlowError::SecondFactorStore)?
        {
            Issue::Issued => {}
            Issue::TooSoon { retry_after } => {
                return Err(FlowError::Code(CodeRefusal::OtpTooSoon { retry_after }));
            }
        }
        let message = Message::new(
            TemplateId::OtpCode,
            Language::from_tag(language),
            contact.channel,
            contact.address,
            tenant.name.as_str(),
        )
        .with("code", code.expose())
        .with("minutes", (CODE_TTL.whole_minutes()).to_string());
        if let Err(e) = self.notifier.send(&message).await {
            let _ = self.codes.withdraw(&key).await;
            return Err(FlowError::Delivery(e));
        }
        Ok(CODE_TTL)
    }

    /// Endpoint 17: checks a code sent by endpoint 16. A right code is used up; each wrong one
    /// counts, and the fifth burns the code.
    pub async fn check_otp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        code: &str,
    ) -> Result<(), FlowError> {
        let (_, credential) = self.enter(caller, Scope::Otp, org, username).await?;
        let code = OtpCode::parse(code).map_err(|_| FlowError::MalformedCode)?;
        let name = credential.username.as_str();
        let refusal = match self
            .codes
            .redeem(&key(org, name), &code_hash(org, name, &code), MAX_ATTEMPTS)
            .await
            .map_err(FlowError::SecondFactorStore)?
        {
            Redeem::Accepted => return Ok(()),
            Redeem::Mismatch { tries_left } => CodeRefusal::OtpMismatch { tries_left },
            Redeem::Burnt => CodeRefusal::OtpBurnt,
            Redeem::Missing => CodeRefusal::OtpNotPending,
        };
        Err(FlowError::Code(refusal))
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
        let (tenant, credential) = self.enter(caller, Scope::Totp, org, username).await?;
        let secret = TotpSecret::generate(self.random.as_ref());
        let sealed = self
            .cipher
            .seal(secret.expose(), &context(org, &credential))
            .map_err(FlowError::Cipher)?;
        self.totp
            .put_pending(org, credential.id, sealed, self.clock.now())
            .await
            .map_err(|e| FlowError::Credential(CredentialError::Store(e)))?;
        Ok(otpauth_uri(
            tenant.name.as_str(),
            credential.username.as_str(),
            &secret,
        ))
    }

    /// Endpoint 18: the otpauth URI of the current enrollment: the pending secret while one is
    /// being set up (so its QR code can be shown again), else the active one.
    pub async fn totp_uri(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<SecretString, FlowError> {
        let (tenant, credential) = self.enter(caller, Scope::Totp, org, username).await?;
        let secrets = self.enrollment(org, &credential).await?;
        let shown = secrets
            .iter()
            .find(|s| s.pending)
            .or(secrets.first())
            .ok_or(FlowError::Code(CodeRefusal::TotpNotEnrolled))?;
        Ok(otpauth_uri(
            tenant.name.as_str(),
            credential.username.as_str(),
            &shown.secret,
        ))
    }

    /// Endpoint 20: checks a TOTP code (±1 step) against the active secret, then the pending
    /// one. A step of a secret is accepted once, and never one older than its last accepted.
    /// The first valid code of a pending secret makes it the active one.
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
        let mut secrets = self.enrollment(org, &credential).await?;
        if !with_pending {
            secrets.retain(|s| !s.pending);
            if secrets.is_empty() {
                return Err(FlowError::Code(CodeRefusal::TotpNotEnrolled));
            }
        }
        let now = unix_seconds(self.clock.now());
        let (matched, step) = secrets
            .iter()
            .find_map(|s| matching_step(&s.secret, code.expose(), now).map(|step| (s, step)))
            .ok_or(FlowError::Code(CodeRefusal::TotpMismatch))?;
        let first = self
            .codes
            .accept_step(
                &step_key(org, &credential, &matched.sealed),
                step,
                STEP_MEMORY,
            )
            .await
            .map_err(FlowError::SecondFactorStore)?;
        if !first {
            return Err(FlowError::Code(CodeRefusal::TotpReplayed));
        }
        if matched.pending {
            match self
                .totp
                .activate(org, credential.id, &matched.sealed, self.clock.now())
                .await
            {
                // A newer enrollment replaced this one meanwhile: the code was right, and
                // the newer secret stays pending.
                Ok(()) | Err(StoreError::NotFound) => {}
                Err(e @ (StoreError::Conflict | StoreError::Unavailable(_))) => {
                    return Err(FlowError::Credential(CredentialError::Store(e)));
                }
            }
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
            code: SecretString::from(code_at(&current.secret, step_of(now))),
            expires_in: seconds_left(now),
        })
    }

    async fn enter(
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
        Ok(self
            .totp
            .get(org, credential.id)
            .await
            .map_err(|e| FlowError::Credential(CredentialError::Store(e)))?
            .is_some_and(|e| e.active.is_some()))
    }

    /// The credential's TOTP secrets, decrypted: the active one first, then the pending one;
    /// `TotpNotEnrolled` when it has neither.
    async fn enrollment(
        &self,
        org: &OrgId,
        credential: &Credential,
    ) -> Result<Vec<EnrolledSecret>, FlowError> {
        let enrollment = self
            .totp
            .get(org, credential.id)
            .await
            .map_err(|e| FlowError::Credential(CredentialError::Store(e)))?
            .ok_or(FlowError::Code(CodeRefusal::TotpNotEnrolled))?;
        let context = context(org, credential);
        [(enrollment.active, false), (enrollment.pending, true)]
            .into_iter()
            .filter_map(|(stored, pending)| stored.map(|s| (s.sealed, pending)))
            .map(|(sealed, pending)| {
                let plain = self
                    .cipher
                    .open(&sealed, &context)
                    .map_err(FlowError::Cipher)?;
                let secret =
                    TotpSecret::from_bytes(plain).map_err(|e| FlowError::Cipher(Box::new(e)))?;
                Ok(EnrolledSecret {
                    sealed,
                    secret,
                    pending,
                })
            })
            .collect()
    }

    async fn throttle(
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

/// A decrypted TOTP secret of an enrollment.
struct EnrolledSecret {
    sealed: SealedSecret,
    secret: TotpSecret,
    pending: bool,
}

/// The replay key of one TOTP secret: each secret has its own steps (a new phone's first code
/// may fall in the step the old phone's last code used), and a secret keeps them when it goes
/// from pending to active.
fn step_key(org: &OrgId, credential: &Credential, sealed: &SealedSecret) -> String {
    let fingerprint = SecretHash::of(&sealed.0).to_hex();
    format!(
        "{org}:{}:{}",
        credential.username.as_str(),
        &fingerprint[..16]
    )
}

/// The store key of a credential's codes.
fn key(org: &OrgId, username: &str) -> String {
    format!("{org}:{username}")
}

/// What a sealed secret is bound to: its org and credential.
fn context(org: &OrgId, credential: &Credential) -> Vec<u8> {
    format!("totp\u{0}{org}\u{0}{}", credential.id).into_bytes()
}

fn unix_seconds(t: latchkey_core::Timestamp) -> u64 {
    u64::try_from(t.unix_timestamp()).unwrap_or(0)
}

#[cfg(test)]
#[path = "second_factor_tests.rs"]
mod tests;
