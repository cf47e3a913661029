//! One-time codes sent to one of the credential's contacts, bound to their purpose: a code sent
//! through the Credentials API (endpoint 16) is checked only by endpoint 17, and a code sent for
//! a login's second factor only by that step (OWASP ASVS V6.6.2). Each purpose has its own code
//! slot per credential, so neither can stand in for the other, and sending one does not replace
//! (or wait behind) the other.

use crate::contact::{self, ContactError};
use crate::{CodeRefusal, FlowError, SecondFactors};
use latchkey_core::OrgId;
use latchkey_credential::CredentialError;
use latchkey_notify::{Language, Message, TemplateId};
use latchkey_otp::{
    CODE_TTL, Issue, MAX_ATTEMPTS, OtpCode, RESEND_AFTER, Redeem, code_hash, generate_code,
};
use latchkey_tenancy::{Principal, Scope};
use time::Duration;

/// What a one-time code is for: it is accepted only for that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodePurpose {
    /// Endpoints 16 and 17 of the Credentials API.
    Api,
    /// The second factor of a login.
    Login,
}

impl CodePurpose {
    /// The store key of a credential's code for this purpose (the API's keeps the key it always
    /// had, so codes pending at an upgrade stay valid).
    fn key(self, org: &OrgId, username: &str) -> String {
        match self {
            CodePurpose::Api => format!("{org}:{username}"),
            CodePurpose::Login => format!("login:{org}:{username}"),
        }
    }
}

impl SecondFactors {
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
        self.send_code(CodePurpose::Api, caller, org, username, language, hint)
            .await
    }

    /// Endpoint 17: checks a code sent by endpoint 16. A right code is used up; each wrong one
    /// counts, and the fifth burns the code. A code sent for a login is not pending here.
    pub async fn check_otp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        code: &str,
    ) -> Result<(), FlowError> {
        self.check_code(CodePurpose::Api, caller, org, username, code)
            .await
    }

    /// A login's second factor: like [`SecondFactors::send_otp`], in the login's own code slot.
    pub async fn send_login_otp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        language: Option<&str>,
        hint: Option<&str>,
    ) -> Result<Duration, FlowError> {
        self.send_code(CodePurpose::Login, caller, org, username, language, hint)
            .await
    }

    /// A login's second factor: checks a code sent by [`SecondFactors::send_login_otp`] only.
    pub async fn check_login_otp(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
        code: &str,
    ) -> Result<(), FlowError> {
        self.check_code(CodePurpose::Login, caller, org, username, code)
            .await
    }

    async fn send_code(
        &self,
        purpose: CodePurpose,
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
        let key = purpose.key(org, name);
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

    async fn check_code(
        &self,
        purpose: CodePurpose,
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
            .redeem(
                &purpose.key(org, name),
                &code_hash(org, name, &code),
                MAX_ATTEMPTS,
            )
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
}
