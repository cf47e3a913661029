//! The flows: each composes the credential use cases with rate limits and notifications.

use crate::contact::{self, Contact, ContactError};
use crate::{FlowError, LimitScope, SET_PASSWORD_PATH, token_link};
use latchkey_core::{Clock, OrgId, Rate, RateLimiter, Verdict};
use latchkey_credential::IssuedToken;
use latchkey_credential::{
    CredentialAttrs, CredentialError, CredentialService, Password, Username,
};
use latchkey_notify::{Channel, Language, Message, Notifier, NotifyError, TemplateId};
use latchkey_tenancy::{Principal, Scope, Tenant, TenantService};
use std::sync::Arc;

/// What `POST /flows/create_username` asks for: every field is required.
#[derive(Debug, Clone)]
pub struct CreateUsername<'a> {
    pub username: &'a str,
    pub customer_id: &'a str,
    pub msisdn: &'a str,
}

/// What `POST /flows/change_password` asks for.
#[derive(Debug)]
pub struct ChangePassword<'a> {
    pub username: &'a str,
    pub old_password: Password,
    pub new_password: Password,
    /// The language of the notice (`es` when absent or unknown).
    pub language: Option<&'a str>,
}

/// What `POST /flows/reset_password` asks for.
#[derive(Debug, Clone)]
pub struct ResetPassword<'a> {
    pub username: &'a str,
    pub language: Option<&'a str>,
    /// One of the credential's contacts; the first one when absent.
    pub hint: Option<&'a str>,
}

/// What became of the "password changed" notice of a password change that succeeded.
#[derive(Debug)]
pub enum Notice {
    Sent,
    /// The credential has no contact to send it to.
    NoContact,
    /// Not delivered. The change stands (it is done, and answering an error would tell the
    /// customer otherwise); the caller logs this.
    Failed(NotifyError),
}

/// The limits of the flows that send messages.
#[derive(Debug, Clone, Copy)]
pub struct FlowLimits {
    /// Requests of one flow for one credential.
    pub per_credential: Rate,
    /// Requests of one flow in one tenant, all credentials together.
    pub per_tenant: Rate,
}

/// The flows.
#[derive(Debug, Clone)]
pub struct FlowService {
    credentials: CredentialService,
    tenants: TenantService,
    notifier: Arc<dyn Notifier>,
    limiter: Arc<dyn RateLimiter>,
    clock: Arc<dyn Clock>,
    limits: FlowLimits,
    /// The login server's base URL, for the links in messages.
    login_url: String,
}

impl FlowService {
    pub fn new(
        credentials: CredentialService,
        tenants: TenantService,
        notifier: Arc<dyn Notifier>,
        limiter: Arc<dyn RateLimiter>,
        clock: Arc<dyn Clock>,
        limits: FlowLimits,
        login_url: String,
    ) -> Self {
        Self {
            credentials,
            tenants,
            notifier,
            limiter,
            clock,
            limits,
            login_url,
        }
    }

    /// Endpoint 10: changes the password when `old_password` is the current one, then sends
    /// the "password changed" notice to the credential's first contact. Rate limited per
    /// credential and per tenant (each try counts: the old password is guessable).
    pub async fn change_password(
        &self,
        caller: &Principal,
        org: &OrgId,
        input: ChangePassword<'_>,
    ) -> Result<Notice, FlowError> {
        let (tenant, username) = self.enter(caller, org, input.username).await?;
        self.throttle("change_password", org, &username).await?;
        let credential = self
            .credentials
            .change_password(
                caller,
                org,
                input.username,
                &input.old_password,
                &input.new_password,
            )
            .await?;
        let Some(contact) = contact::contacts(&credential).into_iter().next() else {
            return Ok(Notice::NoContact);
        };
        let message = message(
            TemplateId::PasswordChanged,
            input.language,
            &contact,
            &tenant,
        )
        .with("username", credential.username.as_str());
        Ok(match self.notifier.send(&message).await {
            Ok(()) => Notice::Sent,
            Err(e) => Notice::Failed(e),
        })
    }

    /// Endpoint 11: creates the credential (disabled, without a password) linked to the
    /// customer and the MSISDN, and answers the set-password token. `customer_id` must be
    /// non-blank and `msisdn` E.164; an existing username is `AlreadyExists`.
    pub async fn create_username(
        &self,
        caller: &Principal,
        org: &OrgId,
        input: CreateUsername<'_>,
    ) -> Result<IssuedToken, CredentialError> {
        let attrs = CredentialAttrs::parse(None, Some(input.customer_id), Some(input.msisdn))?;
        if attrs.customer_id.is_none() {
            return Err(CredentialError::Required("customer_id"));
        }
        self.credentials
            .create(caller, org, input.username, attrs)
            .await
    }

    /// Endpoint 12: issues a set-password token and sends its link (the login server's
    /// [`SET_PASSWORD_PATH`]) to the contact the hint names, in the requested language: the
    /// activation message for a credential that never had a password, the reset message
    /// otherwise. When delivery fails the token is withdrawn and the error is `Delivery`. Rate
    /// limited per credential and per tenant; every request counts, whatever its answer.
    pub async fn reset_password(
        &self,
        caller: &Principal,
        org: &OrgId,
        input: ResetPassword<'_>,
    ) -> Result<(), FlowError> {
        let (tenant, username) = self.enter(caller, org, input.username).await?;
        self.throttle("reset_password", org, &username).await?;
        let credential = self
            .credentials
            .reset_target(caller, org, input.username)
            .await?;
        let contact = contact::choose(&credential, input.hint).map_err(|e| match e {
            ContactError::NotAContact => FlowError::InvalidHint,
            ContactError::NoContact => FlowError::NoContact,
        })?;
        let to_username =
            contact.channel == Channel::Email && contact.address == credential.username.as_str();
        let token = self
            .credentials
            .reset_token(org, &credential, to_username)
            .await?;
        let template = match credential.password_hash {
            Some(_) => TemplateId::ResetPassword,
            None => TemplateId::SetPassword,
        };
        let link = token_link(&self.login_url, SET_PASSWORD_PATH, token.expose());
        let message = message(template, input.language, &contact, &tenant)
            .with("username", credential.username.as_str())
            .with("link", link);
        if let Err(e) = self.notifier.send(&message).await {
            // Nobody has the token; withdrawing it only keeps the table tidy, so a storage
            // failure here does not hide the delivery failure.
            let _ = self.credentials.withdraw_token(org, &token).await;
            return Err(FlowError::Delivery(e));
        }
        Ok(())
    }

    /// The caller's right to write credentials of `org`, the tenant (for its display name),
    /// and the parsed username: what every flow checks before its own work.
    async fn enter(
        &self,
        caller: &Principal,
        org: &OrgId,
        username: &str,
    ) -> Result<(Tenant, Username), CredentialError> {
        caller.require_on(Scope::CredentialsWrite, org)?;
        let tenant = self.tenants.require_enabled(org).await?;
        Ok((tenant, Username::parse(username)?))
    }

    /// Counts one request of `flow` for the credential and for the tenant.
    async fn throttle(
        &self,
        flow: &str,
        org: &OrgId,
        username: &Username,
    ) -> Result<(), FlowError> {
        let now = self.clock.now();
        let keys = [
            (
                format!("{flow}:{org}:{}", username.as_str()),
                self.limits.per_credential,
                LimitScope::Credential,
            ),
            (
                format!("{flow}:{org}"),
                self.limits.per_tenant,
                LimitScope::Tenant,
            ),
        ];
        for (key, rate, scope) in keys {
            let verdict = self
                .limiter
                .hit(&key, rate, now)
                .await
                .map_err(FlowError::RateLimiter)?;
            if let Verdict::Limited { retry_after } = verdict {
                return Err(FlowError::RateLimited { scope, retry_after });
            }
        }
        Ok(())
    }
}

fn message(
    template: TemplateId,
    language: Option<&str>,
    contact: &Contact,
    tenant: &Tenant,
) -> Message {
    Message::new(
        template,
        Language::from_tag(language),
        contact.channel,
        contact.address.clone(),
        tenant.name.as_str(),
    )
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
