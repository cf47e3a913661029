//! The backchannel (CIBA, poll mode) around the login: a client asks to sign a customer in by
//! their e-mail address or MSISDN; the customer gets a message with the client's binding message
//! and a link to an approval page, where they sign in (password, and the second factor when
//! required) and approve or deny (`approval`); the client polls for the tokens.

mod approval;

pub use approval::CibaPrompt;

use crate::grants::{Authenticated, Grants, TokenSet, storage_failure};
use latchkey_credential::{CredentialError, CredentialService};
use latchkey_device::DeviceError;
use latchkey_flows::token_link;
use latchkey_notify::{Language, Message, Notifier, NotifyError, TemplateId};
use latchkey_oauth::{CIBA_EXPIRES_IN, CibaRequest, CibaService, Poll, TokenError};
use latchkey_tenancy::{ApiClient, Grant, Scope, ScopeSet, TenantError};
use std::sync::Arc;

/// The approval page of the login server (`?id=<auth_req_id>`).
pub const CIBA_APPROVAL_PATH: &str = "/ciba";

/// Longest binding message (it must fit a screen and an SMS).
const MAX_BINDING_MESSAGE: usize = 100;

/// Why a backchannel request was refused (CIBA Core §13).
#[derive(Debug, thiserror::Error)]
pub enum BackchannelError {
    #[error("{0}")]
    InvalidRequest(&'static str),
    #[error("the login_hint names no customer of the client's org")]
    UnknownUserId,
    #[error("{0}")]
    UnauthorizedClient(&'static str),
    #[error("{0}")]
    InvalidScope(&'static str),
    #[error("the binding_message is longer than 100 characters or has control characters")]
    InvalidBindingMessage,
    #[error("the message to the customer could not be delivered")]
    Delivery(#[source] NotifyError),
    #[error("storage failed")]
    Unavailable(#[source] latchkey_core::BoxError),
}

impl BackchannelError {
    /// The `error` code.
    pub fn code(&self) -> &'static str {
        match self {
            BackchannelError::InvalidRequest(_) => "invalid_request",
            BackchannelError::UnknownUserId => "unknown_user_id",
            BackchannelError::UnauthorizedClient(_) => "unauthorized_client",
            BackchannelError::InvalidScope(_) => "invalid_scope",
            BackchannelError::InvalidBindingMessage => "invalid_binding_message",
            BackchannelError::Delivery(_) | BackchannelError::Unavailable(_) => {
                "temporarily_unavailable"
            }
        }
    }
}

/// A started request: what `/bc-authorize` answers.
#[derive(Debug, Clone)]
pub struct Started {
    pub auth_req_id: String,
    pub expires_in: i64,
    pub interval: i64,
}

/// The backchannel use cases.
#[derive(Debug, Clone)]
pub struct Backchannel {
    credentials: CredentialService,
    ciba: CibaService,
    grants: Grants,
    notifier: Arc<dyn Notifier>,
    public_url: String,
}

impl Backchannel {
    pub fn new(
        credentials: CredentialService,
        ciba: CibaService,
        grants: Grants,
        notifier: Arc<dyn Notifier>,
        public_url: String,
    ) -> Self {
        Self {
            credentials,
            ciba,
            grants,
            notifier,
            public_url,
        }
    }

    pub fn requests(&self) -> &CibaService {
        &self.ciba
    }

    /// `/bc-authorize` (CIBA Core §7): finds the customer, stores the request and sends them
    /// the approval link with the binding message.
    pub async fn start(
        &self,
        client: &ApiClient,
        login_hint: Option<&str>,
        scope: Option<&str>,
        binding_message: Option<&str>,
    ) -> Result<Started, BackchannelError> {
        if !client.grants.contains(Grant::Ciba) {
            return Err(BackchannelError::UnauthorizedClient(
                "the client may not use CIBA",
            ));
        }
        let org = client
            .login_org()
            .cloned()
            .ok_or(BackchannelError::UnauthorizedClient(
                "the client has no org",
            ))?;
        let hint = login_hint
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .ok_or(BackchannelError::InvalidRequest("login_hint is required"))?;
        let binding = binding_message.map(str::trim).filter(|b| !b.is_empty());
        if binding.is_some_and(|b| {
            b.chars().count() > MAX_BINDING_MESSAGE || b.chars().any(char::is_control)
        }) {
            return Err(BackchannelError::InvalidBindingMessage);
        }
        let allowed = client.scopes.intersection(ScopeSet::CUSTOMER);
        let scopes = match scope.map(str::trim).filter(|s| !s.is_empty()) {
            // Least privilege (RFC 9700 §2.3): only the OpenID Connect scopes unless asked.
            None => allowed.intersection(ScopeSet::CUSTOMER_DEFAULT),
            Some(raw) => {
                let asked = ScopeSet::parse_space_delimited(raw)
                    .map_err(|_| BackchannelError::InvalidScope("unknown scope"))?;
                if !asked.is_subset_of(allowed) {
                    return Err(BackchannelError::InvalidScope(
                        "a scope the client may not ask for",
                    ));
                }
                asked
            }
        };
        let credential = match self.credentials.by_username(&org, hint).await {
            Ok(c) if c.enabled => c,
            Ok(_) => return Err(BackchannelError::UnknownUserId),
            Err(e) => return Err(lookup_failure(e)),
        };
        let to = latchkey_flows::choose(&credential, Some(hint))
            .or_else(|_| latchkey_flows::choose(&credential, None))
            .map_err(|_| BackchannelError::UnknownUserId)?;
        let tenant = self
            .credentials
            .login_tenant(&org)
            .await
            .map_err(lookup_failure)?;
        let request = CibaRequest {
            client_id: client.id.to_string(),
            org,
            credential: credential.id,
            username: credential.username.as_str().to_owned(),
            scope: scopes.to_string(),
            binding_message: binding.map(str::to_owned),
            expires_at: 0,
            interval: 0,
            last_poll: None,
            offline: scopes.contains(Scope::OfflineAccess)
                && client.grants.contains(Grant::RefreshToken),
        };
        let id = self
            .ciba
            .create(request)
            .await
            .map_err(|e| BackchannelError::Unavailable(Box::new(e)))?;
        let link =
            token_link(&self.public_url, CIBA_APPROVAL_PATH, &id).replacen("token=", "id=", 1);
        let message = Message::new(
            TemplateId::CibaRequest,
            Language::from_tag(None),
            to.channel,
            to.address,
            tenant.name.as_str(),
        )
        .with("client", client.name.as_str())
        .with("binding_message", binding.unwrap_or("-"))
        .with("link", &link)
        .with("minutes", (CIBA_EXPIRES_IN / 60).to_string());
        self.notifier
            .send(&message)
            .await
            .map_err(BackchannelError::Delivery)?;
        let started = Started {
            auth_req_id: id,
            expires_in: CIBA_EXPIRES_IN,
            interval: latchkey_oauth::CIBA_INTERVAL,
        };
        Ok(started)
    }

    /// The CIBA grant of `/token` (CIBA Core §10.1, §11): pending, slow down, denied, expired,
    /// or the tokens, exactly once.
    pub async fn poll(&self, client: &ApiClient, id: &str) -> Result<TokenSet, TokenError> {
        // A public client has no secret to prove it is the one that asked (CIBA Core §4).
        if client.login.public {
            return Err(TokenError::InvalidClient(
                "CIBA needs client authentication",
            ));
        }
        if !client.grants.contains(Grant::Ciba) {
            return Err(TokenError::UnauthorizedClient(
                "the client may not use CIBA",
            ));
        }
        match self.ciba.poll(id, client.id.as_str()).await? {
            Poll::Pending => Err(TokenError::AuthorizationPending),
            Poll::SlowDown => Err(TokenError::SlowDown),
            Poll::Denied => Err(TokenError::AccessDenied),
            Poll::Expired => Err(TokenError::ExpiredToken),
            Poll::Approved {
                request,
                auth_time,
                amr,
            } => {
                let credential = match self
                    .credentials
                    .by_id(&request.org, request.credential)
                    .await
                {
                    Ok(c) if c.enabled => c,
                    Ok(_) => return Err(TokenError::AccessDenied),
                    Err(e) => {
                        return Err(
                            storage_failure(e).map_or(TokenError::AccessDenied, TokenError::Store)
                        );
                    }
                };
                let device = if request.offline {
                    let agent = format!("{} (backchannel)", client.name.as_str());
                    // The session records the approval's sign-in: refreshes repeat it.
                    let signed_in_at = latchkey_core::Timestamp::from_unix_timestamp(auth_time)
                        .unwrap_or_else(|_| self.grants.devices().now());
                    let (device, _) = self
                        .grants
                        .devices()
                        .start_signed_in(
                            &request.org,
                            credential.id,
                            &agent,
                            signed_in_at,
                            amr.clone(),
                        )
                        .await
                        .map_err(|e| match e {
                            DeviceError::Store(s) => TokenError::Store(s),
                            DeviceError::NotFound
                            | DeviceError::InvalidToken
                            | DeviceError::Reused => {
                                TokenError::InvalidGrant("the device session could not start")
                            }
                        })?;
                    Some(device)
                } else {
                    None
                };
                let scope = ScopeSet::parse_space_delimited(&request.scope).unwrap_or_default();
                self.grants
                    .mint(
                        client,
                        Authenticated {
                            org: &request.org,
                            credential: &credential,
                            scope,
                            nonce: None,
                            auth_time,
                            amr: &amr,
                            offline_device: device.as_ref(),
                        },
                    )
                    .await
            }
        }
    }
}

/// Why the customer (or the client's tenant) of a backchannel request could not be found.
fn lookup_failure(e: CredentialError) -> BackchannelError {
    match e {
        CredentialError::NotFound
        | CredentialError::InvalidUsername(_)
        | CredentialError::Disabled => BackchannelError::UnknownUserId,
        CredentialError::Tenant(TenantError::NotFound(_)) => {
            BackchannelError::UnauthorizedClient("the client's tenant is disabled")
        }
        CredentialError::Store(_)
        | CredentialError::Tenant(
            TenantError::Store(_) | TenantError::InvalidName | TenantError::Denied(_),
        )
        | CredentialError::Denied(_)
        | CredentialError::InvalidMsisdn
        | CredentialError::InvalidAttribute(_)
        | CredentialError::Required(_)
        | CredentialError::AlreadyExists
        | CredentialError::WrongPassword
        | CredentialError::Policy(_)
        | CredentialError::InvalidToken(_)
        | CredentialError::TokenNotFound
        | CredentialError::InvalidDestination
        | CredentialError::SameOrg
        | CredentialError::DestinationDisabled(_)
        | CredentialError::DestinationNotFound(_)
        | CredentialError::Hashing(_) => BackchannelError::Unavailable(Box::new(e)),
    }
}
