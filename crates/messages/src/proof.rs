//! The proof of a mobile number (`POST /sms?validateNumber=true`, then
//! `?completeValidation=true&validationCode=`): a 6-digit code sent to the number, typed back by
//! the account that asked. The code is bound to that account and that number: it proves nothing
//! for another.

use crate::{MessageError, MessageService};
use latchkey_core::{OrgId, SecretHash, StoreError};
use latchkey_credential::Msisdn;
use latchkey_notify::{Channel, Language, Message, TemplateId};
use latchkey_operator::{Mobile, Operator, OperatorChanges};
use latchkey_otp::{
    CODE_TTL, Issue, MAX_ATTEMPTS, OtpCode, RESEND_AFTER, Redeem, code_hash, generate_code,
};
use latchkey_subscriber::Holder;

/// Codes one account may have sent to numbers in an hour (whatever the numbers): a number is
/// proved with one or two; more is someone using the gateway to reach others.
pub const PROOFS_PER_HOUR: u32 = 6;

/// The most mobiles an account holds.
pub const MAX_MOBILES: usize = 5;

/// The org the codes of operators are bound to (operators belong to no tenant).
const OPERATORS: &str = "security-service";

/// The store key of the code proving `number` for `holder`, and the hash of `code` for it.
fn key_and_hash(
    holder: &Holder,
    number: &Msisdn,
    code: &OtpCode,
) -> Result<(String, SecretHash), MessageError> {
    let (org, id) = match holder {
        Holder::Operator(id) => (
            OrgId::parse(OPERATORS).map_err(|e| StoreError::Unavailable(Box::new(e)))?,
            id,
        ),
        Holder::Subscriber(org, id) => (org.clone(), id),
    };
    let subject = format!("{id}/{}", number.as_str());
    let key = format!("phone-proof:{org}:{subject}");
    Ok((key, code_hash(&org, &subject, code)))
}

impl MessageService {
    /// Sends a code proving `number` for `holder`, in `language`. `Throttled` within 30 s of
    /// the last code for that number, or past [`PROOFS_PER_HOUR`] codes of the account;
    /// `Unconfigured`, `Undeliverable` when the SMS gateway is missing or does not take it (the
    /// code is then withdrawn, and may be asked again at once).
    pub async fn start_proof(
        &self,
        holder: &Holder,
        number: &Msisdn,
        language: Language,
    ) -> Result<(), MessageError> {
        let code = generate_code(self.ports.random.as_ref());
        let (key, hash) = key_and_hash(holder, number, &code)?;
        match self
            .ports
            .codes
            .issue(&key, &hash, CODE_TTL, RESEND_AFTER)
            .await?
        {
            Issue::Issued => {}
            Issue::TooSoon { retry_after } => return Err(MessageError::Throttled { retry_after }),
        }
        let account = match holder {
            Holder::Operator(id) => format!("phone-proofs:operator:{id}"),
            Holder::Subscriber(org, id) => format!("phone-proofs:{org}:{id}"),
        };
        if let Err(e) = self.limit(&account, PROOFS_PER_HOUR).await {
            let _ = self.ports.codes.withdraw(&key).await;
            return Err(e);
        }
        let message = Message::new(
            TemplateId::PhoneVerification,
            language,
            Channel::Sms,
            number.as_str(),
            self.brand.as_str(),
        )
        .with("code", code.expose())
        .with("minutes", CODE_TTL.whole_minutes().to_string());
        if let Err(e) = self.deliver(&message).await {
            let _ = self.ports.codes.withdraw(&key).await;
            return Err(e);
        }
        Ok(())
    }

    /// Checks `code` against the live code proving `number` for `holder`; it is used up when
    /// right. `CodeRejected` when it is not 6 digits, wrong (the 5th wrong try burns the code),
    /// expired, used, or was never sent for this number and account.
    pub async fn complete_proof(
        &self,
        holder: &Holder,
        number: &Msisdn,
        code: &str,
    ) -> Result<(), MessageError> {
        let code = OtpCode::parse(code).map_err(|_| MessageError::CodeRejected)?;
        let (key, hash) = key_and_hash(holder, number, &code)?;
        match self.ports.codes.redeem(&key, &hash, MAX_ATTEMPTS).await? {
            Redeem::Accepted => Ok(()),
            Redeem::Mismatch { .. } | Redeem::Burnt | Redeem::Missing => {
                Err(MessageError::CodeRejected)
            }
        }
    }

    /// Sends `operator` a code proving `number` ([`MessageService::start_proof`]), unless it
    /// already holds [`MAX_MOBILES`] other numbers (`TooManyMobiles`).
    pub async fn start_operator_proof(
        &self,
        operator: &Operator,
        number: &Msisdn,
    ) -> Result<(), MessageError> {
        let current = self.current(operator).await?;
        with_mobile(&current.mobiles, number)?;
        let language = Language::from_tag(Some(&current.locale));
        self.start_proof(&Holder::Operator(operator.id), number, language)
            .await
    }

    /// Proves `number` for `operator` with `code` ([`MessageService::complete_proof`]) and
    /// adds it to its mobiles, verified (the first one is its primary; one it had already
    /// becomes verified). `TooManyMobiles` before the code is checked when it holds
    /// [`MAX_MOBILES`] other numbers. The operator as it is now.
    pub async fn add_operator_mobile(
        &self,
        operator: &Operator,
        number: &Msisdn,
        code: &str,
    ) -> Result<Operator, MessageError> {
        with_mobile(&self.current(operator).await?.mobiles, number)?;
        self.complete_proof(&Holder::Operator(operator.id), number, code)
            .await?;
        // Read again: the record may have changed while the code travelled.
        let current = self.current(operator).await?;
        let changes = OperatorChanges {
            mobiles: Some(with_mobile(&current.mobiles, number)?),
            ..OperatorChanges::default()
        };
        Ok(self
            .ports
            .operators
            .modify(&current, current.id, changes)
            .await?)
    }

    /// The operator's record as stored (the caller's may come from a cache).
    async fn current(&self, operator: &Operator) -> Result<Operator, MessageError> {
        Ok(self
            .ports
            .operators
            .find(operator.id)
            .await?
            .ok_or(latchkey_operator::OperatorError::NotFound)?)
    }
}

/// `mobiles` with `number` among them, verified: the first becomes the primary.
/// `TooManyMobiles` when adding it would pass [`MAX_MOBILES`].
pub(crate) fn with_mobile(
    mobiles: &[Mobile],
    number: &Msisdn,
) -> Result<Vec<Mobile>, MessageError> {
    let mut mobiles = mobiles.to_vec();
    if let Some(known) = mobiles.iter_mut().find(|m| m.number == *number) {
        known.verified = true;
        return Ok(mobiles);
    }
    if mobiles.len() >= MAX_MOBILES {
        return Err(MessageError::TooManyMobiles);
    }
    let primary = !mobiles.iter().any(|m| m.primary);
    mobiles.push(Mobile {
        number: number.clone(),
        verified: true,
        primary,
    });
    Ok(mobiles)
}
