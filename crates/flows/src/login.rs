//! Customers sign in at the login server: the authorization request waits in a short-lived
//! record while the customer gives a password and, when the credential requires it, a second
//! factor (TOTP, or a one-time code sent to one of its contacts). A completed login stamps
//! `last_login_at`, starts (or continues) a device session and goes back to the client with an
//! authorization code (or, for a client allowed the implicit grant, an access token).
//!
//! Guessing is slowed, never locked for good: failures are counted per username and per client
//! address, and past a few free tries each failure doubles the wait before the next attempt (up
//! to 15 minutes); the count is forgotten an hour after the last failure.

use crate::contact;
use crate::grants::{Authenticated, Grants};
use crate::{CodeRefusal, FlowError, SecondFactors};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use latchkey_core::{Clock, OrgId, SecureRandom, StoreError, Timestamp, ct_eq};
use latchkey_credential::{Credential, CredentialError, CredentialService, Password};
use latchkey_device::{Device, DeviceError, SessionSecret};
use latchkey_notify::{Language, Message, Notifier, NotifyError, TemplateId};
use latchkey_oauth::{AuthCode, AuthRequest, CibaService, Decision, EphemeralStore, ResponseType};
use latchkey_tenancy::{ApiClient, ClientService, OrgAccess, Principal, Scope, Tenant};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use time::Duration;
use uuid::Uuid;

/// How long a login may take, from the login page to the last factor.
pub const LOGIN_TTL: Duration = Duration::minutes(15);
/// Failures of one username allowed before waits begin.
const FREE_TRIES_PER_USERNAME: u64 = 3;
/// Failures from one client address allowed before waits begin (many customers may share one).
const FREE_TRIES_PER_ADDRESS: u64 = 20;
/// The longest wait.
const MAX_DELAY: Duration = Duration::minutes(15);
/// A failure count is forgotten this long after its last failure.
const FAILURE_MEMORY: Duration = Duration::hours(1);

/// The record of a login in progress.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginTx {
    pub request: AuthRequest,
    csrf: String,
    pub stage: Stage,
}

/// How far a login got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Waiting for username and password.
    Password,
    /// The password was right; waiting for the second factor.
    SecondFactor {
        credential: Uuid,
        username: String,
        auth_time: i64,
        totp: bool,
        /// How the first factor was given (RFC 8176 `amr`): `pwd`, or `email` for a magic link.
        #[serde(default = "password_amr")]
        first: String,
        /// The last one-time code went by SMS (`amr` `sms`; by e-mail it is `otp`).
        #[serde(default)]
        sms: bool,
    },
}

fn password_amr() -> String {
    "pwd".to_owned()
}

/// Where a magic link leads.
#[derive(Debug, Clone)]
pub enum MagicOutcome {
    /// The browser's pending authorization finished: back to the client.
    Done(Completion),
    /// The credential requires a second factor: the pending login `id` now waits for it.
    SecondFactor {
        id: String,
        csrf: String,
        step: Step,
    },
    /// Signed in, with no authorization pending (the tenant's landing page comes next).
    SignedIn(Completion),
    /// The credential requires a second factor and no login is pending in this browser to ask
    /// for it: the customer signs in from the app.
    NeedsApp,
}

/// A login just started: the record's id and its anti-forgery token (the form and a cookie
/// carry it).
#[derive(Debug, Clone)]
pub struct Started {
    pub id: String,
    pub csrf: SessionSecret,
}

/// A second-factor contact as the page shows it (masked) and names it back (`hint`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactChoice {
    pub email: bool,
    pub masked: String,
    pub hint: String,
}

/// What the customer is asked next.
#[derive(Debug, Clone)]
pub enum Step {
    SecondFactor {
        totp: bool,
        contacts: Vec<ContactChoice>,
    },
    Done(Completion),
}

/// A finished login: where the browser goes, and the session cookie to set (when a new device
/// session started).
#[derive(Debug, Clone)]
pub struct Completion {
    pub org: OrgId,
    /// Empty for a sign-in with no authorization pending.
    pub redirect: String,
    pub session: Option<NewSession>,
    /// The "new device" notice could not be sent (the login stands).
    pub notice_failed: Option<String>,
    /// A login that approves a backchannel request: the token of the approve-or-deny form
    /// (no code, no session).
    pub ciba_consent: Option<String>,
}

/// A backchannel request awaiting the customer, as the approval page shows it.
#[derive(Debug, Clone)]
pub struct CibaPrompt {
    pub started: Started,
    pub binding_message: Option<String>,
    pub client_name: String,
    pub username: String,
}

/// What a consent token stands for.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Consent {
    id: String,
    credential: Uuid,
    auth_time: i64,
    amr: Vec<String>,
}

/// How long the approve-or-deny form may wait.
const CONSENT_TTL: Duration = Duration::minutes(5);

/// A device session's cookie.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie_name: String,
    pub value: SessionSecret,
    pub expires_at: Timestamp,
}

/// Why a login step did not go through.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    #[error("this login expired or is not known: start again")]
    Expired,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("the credential is disabled")]
    Disabled,
    #[error("too many failed attempts: wait before trying again")]
    Throttled { retry_after: Duration },
    #[error(transparent)]
    Code(CodeRefusal),
    #[error("the code must be 6 digits")]
    MalformedCode,
    #[error("the credential requires a second factor but has none it can use")]
    NoSecondFactor,
    #[error("the link is not valid, expired, or was already used")]
    BadLink,
    #[error("signed in with another account than the one the request is for")]
    WrongAccount,
    #[error("that is not one of the credential's contacts")]
    NotAContact,
    #[error("the message could not be delivered")]
    Delivery(#[source] NotifyError),
    #[error("the login could not be completed")]
    Unavailable(#[source] latchkey_core::BoxError),
}

impl From<StoreError> for LoginError {
    fn from(e: StoreError) -> Self {
        LoginError::Unavailable(Box::new(e))
    }
}

impl From<DeviceError> for LoginError {
    fn from(e: DeviceError) -> Self {
        LoginError::Unavailable(Box::new(e))
    }
}

impl From<latchkey_oauth::TokenError> for LoginError {
    fn from(e: latchkey_oauth::TokenError) -> Self {
        LoginError::Unavailable(Box::new(e))
    }
}

impl From<CredentialError> for LoginError {
    fn from(e: CredentialError) -> Self {
        match e {
            CredentialError::WrongPassword | CredentialError::NotFound => {
                LoginError::BadCredentials
            }
            CredentialError::TokenNotFound => LoginError::BadLink,
            CredentialError::Disabled => LoginError::Disabled,
            other => LoginError::Unavailable(Box::new(other)),
        }
    }
}

impl From<FlowError> for LoginError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Code(refusal) => LoginError::Code(refusal),
            FlowError::MalformedCode => LoginError::MalformedCode,
            FlowError::InvalidHint => LoginError::NotAContact,
            FlowError::NoContact => LoginError::NoSecondFactor,
            FlowError::Delivery(e) => LoginError::Delivery(e),
            FlowError::RateLimited { retry_after, .. } => LoginError::Throttled { retry_after },
            FlowError::Credential(e) => e.into(),
            other => LoginError::Unavailable(Box::new(other)),
        }
    }
}

/// The second factor a customer answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Totp,
    Otp,
}

/// Who is signing in, from where.
#[derive(Debug, Clone, Copy)]
pub struct Agent<'a> {
    /// The client's IP address, as the server saw it.
    pub address: &'a str,
    pub user_agent: &'a str,
    /// The device-session cookie of the request's org, if the browser sent one.
    pub session: Option<&'a str>,
    /// The page's language (`es` or `en`).
    pub language: &'a str,
}

/// The ports of [`LoginService`].
#[derive(Debug, Clone)]
pub struct LoginPorts {
    pub store: Arc<dyn EphemeralStore>,
    pub ciba: CibaService,
    pub notifier: Arc<dyn Notifier>,
    pub clock: Arc<dyn Clock>,
    pub random: Arc<dyn SecureRandom>,
}

/// The login use cases.
#[derive(Debug, Clone)]
pub struct LoginService {
    credentials: CredentialService,
    clients: ClientService,
    second_factors: SecondFactors,
    grants: Grants,
    ports: LoginPorts,
}

impl LoginService {
    pub fn new(
        credentials: CredentialService,
        clients: ClientService,
        second_factors: SecondFactors,
        grants: Grants,
        ports: LoginPorts,
    ) -> Self {
        Self {
            credentials,
            clients,
            second_factors,
            grants,
            ports,
        }
    }

    /// The tenant of a login (its pages show the tenant's name).
    pub async fn tenant(&self, org: &OrgId) -> Result<Tenant, LoginError> {
        Ok(self.credentials.login_tenant(org).await?)
    }

    /// The cookie that carries `org`'s device session.
    pub fn session_cookie_name(org: &OrgId) -> String {
        format!("latchkey_session_{org}")
    }

    /// The cookie that names the browser's login in progress for `org`: a magic link opened in
    /// the same browser continues it.
    pub fn pending_cookie_name(org: &OrgId) -> String {
        format!("latchkey_pending_{org}")
    }

    /// Uses up a magic-link token: its org and the live, enabled credential it signs in.
    pub async fn magic_link(&self, token: &str) -> Result<(OrgId, Credential), LoginError> {
        Ok(self.credentials.redeem_magic_link(token).await?)
    }

    /// Signs in the credential of a redeemed magic link (the link is the first factor). A login
    /// pending in this browser (`pending`, from its cookie) for the same org continues: to the
    /// second factor when the credential requires one, else back to its client.
    pub async fn after_magic_link(
        &self,
        org: &OrgId,
        credential: Credential,
        pending: Option<&str>,
        agent: Agent<'_>,
    ) -> Result<MagicOutcome, LoginError> {
        let tx = match pending {
            Some(id) => self
                .read(id)
                .await?
                .filter(|tx| &tx.request.org == org && tx.stage == Stage::Password)
                .map(|tx| (id.to_owned(), tx)),
            None => None,
        };
        let auth_time = self.ports.clock.now().unix_timestamp();
        if credential.require2fa {
            let Some((id, tx)) = tx else {
                return Ok(MagicOutcome::NeedsApp);
            };
            let totp = self.second_factors.totp_enrolled(org, &credential).await?;
            let contacts = choices(&credential);
            if !totp && contacts.is_empty() {
                return Err(LoginError::NoSecondFactor);
            }
            let csrf = tx.csrf.clone();
            let tx = LoginTx {
                stage: Stage::SecondFactor {
                    credential: credential.id,
                    username: credential.username.as_str().to_owned(),
                    auth_time,
                    totp,
                    first: "email".to_owned(),
                    sms: false,
                },
                ..tx
            };
            self.save(&id, &tx).await?;
            return Ok(MagicOutcome::SecondFactor {
                id,
                csrf,
                step: Step::SecondFactor { totp, contacts },
            });
        }
        let amr = vec!["email".to_owned()];
        match tx {
            Some((id, tx)) => {
                let client = self.client(&tx.request.client_id).await?;
                self.ports.store.delete(&tx_key(&id)).await?;
                let done = self
                    .complete(
                        &client,
                        &tx.request,
                        credential,
                        None,
                        auth_time,
                        amr,
                        agent,
                    )
                    .await?;
                Ok(MagicOutcome::Done(done))
            }
            None => {
                // The new device stamps `last_login_at` (DeviceStore::insert_device).
                let (device, cookie) = self
                    .grants
                    .devices()
                    .start(org, credential.id, agent.user_agent)
                    .await?;
                let notice_failed = self
                    .announce(org, &credential, &device, agent.language)
                    .await
                    .err()
                    .map(|e| e.to_string());
                Ok(MagicOutcome::SignedIn(Completion {
                    org: org.clone(),
                    redirect: String::new(),
                    session: Some(NewSession {
                        cookie_name: Self::session_cookie_name(org),
                        value: cookie.0,
                        expires_at: device.expires_at,
                    }),
                    notice_failed,
                    ciba_consent: None,
                }))
            }
        }
    }

    /// Starts the login that approves backchannel request `id` (the customer always signs in).
    pub async fn start_ciba(&self, id: &str) -> Result<CibaPrompt, LoginError> {
        let request = self
            .ports
            .ciba
            .pending(id)
            .await?
            .ok_or(LoginError::Expired)?;
        let client = self.client(&request.client_id).await?;
        let auth = AuthRequest {
            client_id: request.client_id.clone(),
            org: request.org.clone(),
            redirect_uri: String::new(),
            redirect_uri_given: false,
            response_type: ResponseType::Code,
            state: String::new(),
            scope: request.scope.clone(),
            nonce: None,
            challenge: None,
            offline: false,
            login_hint: Some(request.username.clone()),
            force_login: true,
            no_prompt: false,
            max_age: None,
            ui_locales: None,
            ciba: Some(id.to_owned()),
        };
        let started = self.start(auth).await?;
        Ok(CibaPrompt {
            started,
            binding_message: request.binding_message,
            client_name: client.name.as_str().to_owned(),
            username: request.username,
        })
    }

    /// The customer of a backchannel request signed in: a consent token for the approve-or-deny
    /// form. Signing in as anyone else answers `WrongAccount`.
    async fn consent(
        &self,
        org: &OrgId,
        id: &str,
        credential: &Credential,
        auth_time: i64,
        amr: Vec<String>,
    ) -> Result<Completion, LoginError> {
        let request = self
            .ports
            .ciba
            .pending(id)
            .await?
            .ok_or(LoginError::Expired)?;
        if request.credential != credential.id {
            return Err(LoginError::WrongAccount);
        }
        let token = self.secret();
        let consent = Consent {
            id: id.to_owned(),
            credential: credential.id,
            auth_time,
            amr,
        };
        let bytes =
            serde_json::to_vec(&consent).map_err(|e| LoginError::Unavailable(Box::new(e)))?;
        self.ports
            .store
            .put(&consent_key(&token), &bytes, CONSENT_TTL)
            .await?;
        Ok(Completion {
            org: org.clone(),
            redirect: String::new(),
            session: None,
            notice_failed: None,
            ciba_consent: Some(token),
        })
    }

    /// The customer approves or denies (once) the backchannel request their consent token is
    /// for. `false` when the request is no longer waiting.
    pub async fn ciba_decide(&self, consent: &str, approve: bool) -> Result<bool, LoginError> {
        if !plausible_key(consent) {
            return Err(LoginError::Expired);
        }
        let record: Consent = self
            .take_record(&consent_key(consent))
            .await?
            .ok_or(LoginError::Expired)?;
        let decision = if approve {
            Decision::Approved {
                auth_time: record.auth_time,
                amr: record.amr,
            }
        } else {
            Decision::Denied
        };
        Ok(self
            .ports
            .ciba
            .decide(&record.id, record.credential, &decision)
            .await?)
    }

    async fn client(&self, id: &str) -> Result<ApiClient, LoginError> {
        let id = latchkey_tenancy::ClientId::parse(id).map_err(|_| LoginError::Expired)?;
        self.clients
            .get(&id)
            .await
            .map_err(|e| LoginError::Unavailable(Box::new(e)))?
            .ok_or(LoginError::Expired)
    }

    /// Takes the record under `key` out of the store: `None` when there is none (or it does not
    /// read as a `T`).
    async fn take_record<T: serde::de::DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, LoginError> {
        let bytes = self.ports.store.take(key).await?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    async fn read(&self, id: &str) -> Result<Option<LoginTx>, LoginError> {
        if !plausible_key(id) {
            return Ok(None);
        }
        let bytes = self.ports.store.get(&tx_key(id)).await?;
        Ok(bytes.and_then(|b| serde_json::from_slice(&b).ok()))
    }

    /// Continues a live device session without asking anything (single sign-on), unless the
    /// request wants a fresh login or the session is older than its `max_age`. `None` when
    /// the customer must sign in.
    pub async fn resume(
        &self,
        client: &ApiClient,
        request: &AuthRequest,
        agent: Agent<'_>,
    ) -> Result<Option<Completion>, LoginError> {
        let Some(cookie) = agent.session.filter(|_| !request.force_login) else {
            return Ok(None);
        };
        let Some(device) = self.grants.devices().resume(&request.org, cookie).await? else {
            return Ok(None);
        };
        let auth_time = device.created_at.unix_timestamp();
        let now = self.ports.clock.now().unix_timestamp();
        if request.max_age.is_some_and(|max| now - auth_time > max) {
            return Ok(None);
        }
        let credential = match self
            .credentials
            .by_id(&request.org, device.credential)
            .await
        {
            Ok(c) if c.enabled => c,
            Ok(_) | Err(CredentialError::NotFound) => return Ok(None),
            Err(e) => return Err(e.into()),
        };
        let amr = session_amr(&credential);
        let done = self
            .complete(
                client,
                request,
                credential,
                Some(device),
                auth_time,
                amr,
                agent,
            )
            .await?;
        Ok(Some(done))
    }

    /// Starts a login for a checked request.
    pub async fn start(&self, request: AuthRequest) -> Result<Started, LoginError> {
        let id = self.secret();
        let csrf = self.secret();
        let tx = LoginTx {
            request,
            csrf: csrf.clone(),
            stage: Stage::Password,
        };
        self.save(&id, &tx).await?;
        Ok(Started {
            id,
            csrf: SessionSecret(csrf),
        })
    }

    /// The login `id`, when `csrf` is its anti-forgery token.
    pub async fn load(&self, id: &str, csrf: &str) -> Result<LoginTx, LoginError> {
        let tx = self.read(id).await?.ok_or(LoginError::Expired)?;
        if ct_eq(tx.csrf.as_bytes(), csrf.as_bytes()) {
            Ok(tx)
        } else {
            Err(LoginError::Expired)
        }
    }

    /// The login `id` taken out of the store, when `csrf` is its anti-forgery token: of two
    /// submissions of one form, one finds it. [`LoginService::password`] puts it back unless
    /// the login moved on.
    pub async fn take(&self, id: &str, csrf: &str) -> Result<LoginTx, LoginError> {
        if !plausible_key(id) {
            return Err(LoginError::Expired);
        }
        let tx: LoginTx = self
            .take_record(&tx_key(id))
            .await?
            .ok_or(LoginError::Expired)?;
        if ct_eq(tx.csrf.as_bytes(), csrf.as_bytes()) {
            Ok(tx)
        } else {
            self.save(id, &tx).await?;
            Err(LoginError::Expired)
        }
    }

    /// The login's anti-forgery token, for pages re-rendered within it.
    pub fn csrf_of(tx: &LoginTx) -> &str {
        &tx.csrf
    }

    /// Username and password, for a login [`LoginService::take`]n. Answers the next step: the
    /// second factor (the login is stored at that stage), or the finished login (it is gone).
    /// When refused, the login is stored back as it was, for another try.
    pub async fn password(
        &self,
        client: &ApiClient,
        id: &str,
        tx: LoginTx,
        username: &str,
        password: &Password,
        agent: Agent<'_>,
    ) -> Result<Step, LoginError> {
        let kept = tx.clone();
        let step = self
            .check_password(client, id, tx, username, password, agent)
            .await;
        if step.is_err() {
            self.save(id, &kept).await?;
        }
        step
    }

    async fn check_password(
        &self,
        client: &ApiClient,
        id: &str,
        tx: LoginTx,
        username: &str,
        password: &Password,
        agent: Agent<'_>,
    ) -> Result<Step, LoginError> {
        if tx.stage != Stage::Password {
            return Err(LoginError::Expired);
        }
        let org = tx.request.org.clone();
        let name_key = format!("pwd:{org}:{}", username.trim().to_lowercase());
        let address_key = format!("addr:{}", agent.address);
        let failed_before = self.check_delays(&[&name_key, &address_key]).await?;
        let credential = match self
            .credentials
            .authenticate(&org, username, password)
            .await
        {
            Ok(c) => c,
            Err(CredentialError::WrongPassword) => {
                self.fail(&name_key, FREE_TRIES_PER_USERNAME).await?;
                self.fail(&address_key, FREE_TRIES_PER_ADDRESS).await?;
                return Err(LoginError::BadCredentials);
            }
            Err(e) => return Err(e.into()),
        };
        if failed_before {
            self.forget_failures(&name_key).await?;
        }
        let auth_time = self.ports.clock.now().unix_timestamp();
        if !credential.require2fa {
            let amr = vec!["pwd".to_owned()];
            let done = self
                .complete(client, &tx.request, credential, None, auth_time, amr, agent)
                .await?;
            return Ok(Step::Done(done));
        }
        let totp = self.second_factors.totp_enrolled(&org, &credential).await?;
        let contacts = choices(&credential);
        if !totp && contacts.is_empty() {
            return Err(LoginError::NoSecondFactor);
        }
        let tx = LoginTx {
            stage: Stage::SecondFactor {
                credential: credential.id,
                username: credential.username.as_str().to_owned(),
                auth_time,
                totp,
                first: password_amr(),
                sms: false,
            },
            ..tx
        };
        self.save(id, &tx).await?;
        Ok(Step::SecondFactor { totp, contacts })
    }

    /// What the second-factor page offers for a login at that stage.
    pub async fn second_factor_choices(&self, tx: &LoginTx) -> Result<Step, LoginError> {
        let Stage::SecondFactor {
            credential, totp, ..
        } = &tx.stage
        else {
            return Err(LoginError::Expired);
        };
        let credential = self.credentials.by_id(&tx.request.org, *credential).await?;
        Ok(Step::SecondFactor {
            totp: *totp,
            contacts: choices(&credential),
        })
    }

    /// Sends a one-time code to the contact `hint` names, for the second factor.
    pub async fn send_code(
        &self,
        id: &str,
        tx: &LoginTx,
        hint: &str,
        language: &str,
    ) -> Result<(), LoginError> {
        let Stage::SecondFactor {
            credential,
            username,
            ..
        } = &tx.stage
        else {
            return Err(LoginError::Expired);
        };
        let org = &tx.request.org;
        let caller = customer(org, *credential);
        self.second_factors
            .send_otp(&caller, org, username, Some(language), Some(hint))
            .await?;
        let mut tx = tx.clone();
        if let Stage::SecondFactor { sms, .. } = &mut tx.stage {
            *sms = !hint.contains('@');
        }
        self.save(id, &tx).await
    }

    /// The second factor. Finishes the login.
    pub async fn second_factor(
        &self,
        client: &ApiClient,
        id: &str,
        tx: LoginTx,
        factor: Factor,
        code: &str,
        agent: Agent<'_>,
    ) -> Result<Completion, LoginError> {
        let Stage::SecondFactor {
            credential,
            username,
            auth_time,
            first,
            sms,
            ..
        } = &tx.stage
        else {
            return Err(LoginError::Expired);
        };
        let org = &tx.request.org;
        let key = format!("2fa:{org}:{credential}");
        let failed_before = self.check_delays(&[&key]).await?;
        let caller = customer(org, *credential);
        let checked = match factor {
            Factor::Totp => {
                self.second_factors
                    .check_login_totp(&caller, org, username, code)
                    .await
            }
            Factor::Otp => {
                self.second_factors
                    .check_otp(&caller, org, username, code)
                    .await
            }
        };
        match checked {
            Ok(()) => {}
            Err(FlowError::Code(refusal)) => {
                self.fail(&key, FREE_TRIES_PER_USERNAME).await?;
                return Err(LoginError::Code(refusal));
            }
            Err(e) => return Err(e.into()),
        }
        if failed_before {
            self.forget_failures(&key).await?;
        }
        let credential = self.credentials.by_id(org, *credential).await?;
        if !credential.enabled {
            return Err(LoginError::Disabled);
        }
        let second = match factor {
            Factor::Otp if *sms => "sms",
            Factor::Totp | Factor::Otp => "otp",
        };
        let amr = vec![first.clone(), second.to_owned(), "mfa".to_owned()];
        self.ports.store.delete(&tx_key(id)).await?;
        self.complete(
            client,
            &tx.request,
            credential,
            None,
            *auth_time,
            amr,
            agent,
        )
        .await
    }

    /// Finishes a login: the device session with `last_login_at` (a new device is announced to
    /// the customer), then the code (or token) for the client.
    #[allow(
        clippy::too_many_arguments,
        reason = "one completed login, spelled out"
    )]
    async fn complete(
        &self,
        client: &ApiClient,
        request: &AuthRequest,
        credential: Credential,
        device: Option<Device>,
        auth_time: i64,
        amr: Vec<String>,
        agent: Agent<'_>,
    ) -> Result<Completion, LoginError> {
        let org = &request.org;
        if let Some(id) = &request.ciba {
            return self.consent(org, id, &credential, auth_time, amr).await;
        }
        let (device, session, notice_failed) = match device {
            // A session resumed as it is (single sign-on); the login is stamped all the same.
            Some(device) => {
                self.credentials
                    .stamp_login(org, credential.clone())
                    .await?;
                (device, None, None)
            }
            None => {
                // A login replaces the session the browser had (its start is the new
                // `auth_time`); the device is new only if the browser had none of this
                // customer's.
                let previous = match agent.session {
                    Some(cookie) => self.grants.devices().resume(org, cookie).await?,
                    None => None,
                };
                if let Some(old) = &previous {
                    self.grants.devices().end(org, old.id).await?;
                }
                let known = previous.is_some_and(|d| d.credential == credential.id);
                let (device, cookie) = self
                    .grants
                    .devices()
                    .start(org, credential.id, agent.user_agent)
                    .await?;
                let notice = if known {
                    None
                } else {
                    self.announce(org, &credential, &device, agent.language)
                        .await
                        .err()
                        .map(|e| e.to_string())
                };
                let session = NewSession {
                    cookie_name: Self::session_cookie_name(org),
                    value: cookie.0,
                    expires_at: device.expires_at,
                };
                (device, Some(session), notice)
            }
        };
        let redirect = match request.response_type {
            ResponseType::Code => {
                let code = self
                    .grants
                    .codes()
                    .issue(&AuthCode {
                        client_id: request.client_id.clone(),
                        redirect_uri: request.redirect_uri.clone(),
                        redirect_uri_given: request.redirect_uri_given,
                        challenge: request.challenge.clone(),
                        org: org.clone(),
                        credential: credential.id,
                        username: credential.username.as_str().to_owned(),
                        scope: request.scope.clone(),
                        nonce: request.nonce.clone(),
                        auth_time,
                        amr,
                        device: device.id,
                        offline: request.offline,
                    })
                    .await?;
                with_params(
                    &request.redirect_uri,
                    '?',
                    &[
                        ("code", code.as_str()),
                        ("state", request.state.as_str()),
                        ("iss", self.grants.issuer()),
                    ],
                )
            }
            ResponseType::Token => {
                let set = self
                    .grants
                    .mint(
                        client,
                        Authenticated {
                            org,
                            credential: &credential,
                            scope: request
                                .scopes()
                                .without([Scope::Openid].into_iter().collect()),
                            nonce: None,
                            auth_time,
                            amr: &amr,
                            offline_device: None,
                        },
                    )
                    .await?;
                let expires_in = set.expires_in.to_string();
                let scope = set.scope.to_string();
                with_params(
                    &request.redirect_uri,
                    '#',
                    &[
                        ("access_token", set.access_token.as_str()),
                        ("token_type", "Bearer"),
                        ("expires_in", expires_in.as_str()),
                        ("scope", scope.as_str()),
                        ("state", request.state.as_str()),
                        ("iss", self.grants.issuer()),
                    ],
                )
            }
        };
        Ok(Completion {
            org: org.clone(),
            redirect,
            session,
            notice_failed,
            ciba_consent: None,
        })
    }

    /// "A sign-in from a new device", to the credential's first contact (none: nothing sent).
    async fn announce(
        &self,
        org: &OrgId,
        credential: &Credential,
        device: &Device,
        language: &str,
    ) -> Result<(), LoginError> {
        let Some(to) = contact::contacts(credential).into_iter().next() else {
            return Ok(());
        };
        let tenant = self.tenant(org).await?;
        let message = Message::new(
            TemplateId::NewDevice,
            Language::from_tag(Some(language)),
            to.channel,
            to.address,
            tenant.name.as_str(),
        )
        .with("username", credential.username.as_str())
        .with("device", &device.alias);
        self.ports
            .notifier
            .send(&message)
            .await
            .map_err(LoginError::Delivery)
    }

    /// The redirect that tells the client the login failed (RFC 6749 §4.1.2.1).
    pub fn error_redirect(&self, request: &AuthRequest, error: &str, description: &str) -> String {
        self.error_redirect_to(
            &request.redirect_uri,
            request.response_type,
            &request.state,
            error,
            description,
        )
    }

    /// The same, for a request that failed its checks (its redirect URI is a registered one).
    pub fn error_redirect_to(
        &self,
        redirect_uri: &str,
        response_type: ResponseType,
        state: &str,
        error: &str,
        description: &str,
    ) -> String {
        let mark = match response_type {
            ResponseType::Code => '?',
            ResponseType::Token => '#',
        };
        let mut params = vec![("error", error), ("error_description", description)];
        if !state.is_empty() {
            params.push(("state", state));
        }
        params.push(("iss", self.grants.issuer()));
        with_params(redirect_uri, mark, &params)
    }

    /// Refuses an attempt while the wait of any of `keys` runs (with the longest wait);
    /// otherwise answers whether the first key has failures on record (to forget after a
    /// success). One read of the store for all of it.
    async fn check_delays(&self, keys: &[&str]) -> Result<bool, LoginError> {
        let Some(first) = keys.first() else {
            return Ok(false);
        };
        let mut names: Vec<String> = keys.iter().map(|k| format!("wait:{k}")).collect();
        names.push(format!("fails:{first}"));
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let found = self.ports.store.get_many(&names).await?;
        let now = self.ports.clock.now().unix_timestamp();
        let longest = found
            .iter()
            .take(keys.len())
            .flatten()
            .filter_map(|bytes| std::str::from_utf8(bytes).ok()?.parse::<i64>().ok())
            .map(|until| until - now)
            .max()
            .unwrap_or(0);
        if longest > 0 {
            return Err(LoginError::Throttled {
                retry_after: Duration::seconds(longest),
            });
        }
        Ok(found.first().is_some_and(Option::is_some) || found.last().is_some_and(Option::is_some))
    }

    /// Counts a failure; past `free` failures the next attempt waits 1 s, then 2, 4 ... up to
    /// [`MAX_DELAY`].
    async fn fail(&self, key: &str, free: u64) -> Result<(), LoginError> {
        let count = self
            .ports
            .store
            .increment(&format!("fails:{key}"), FAILURE_MEMORY)
            .await?;
        if count < free {
            return Ok(());
        }
        let exponent = u32::try_from((count - free).min(20)).unwrap_or(20);
        let delay = Duration::seconds(1_i64 << exponent).min(MAX_DELAY);
        let until = self.ports.clock.now() + delay;
        self.ports
            .store
            .put(
                &format!("wait:{key}"),
                until.unix_timestamp().to_string().as_bytes(),
                delay,
            )
            .await?;
        Ok(())
    }

    async fn forget_failures(&self, key: &str) -> Result<(), LoginError> {
        self.ports.store.delete(&format!("fails:{key}")).await?;
        self.ports.store.delete(&format!("wait:{key}")).await?;
        Ok(())
    }

    async fn save(&self, id: &str, tx: &LoginTx) -> Result<(), LoginError> {
        let bytes = serde_json::to_vec(tx).map_err(|e| LoginError::Unavailable(Box::new(e)))?;
        self.ports.store.put(&tx_key(id), &bytes, LOGIN_TTL).await?;
        Ok(())
    }

    fn secret(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.ports.random.secret_bytes())
    }
}

/// The principal a login acts as for its own second factor.
fn customer(org: &OrgId, credential: Uuid) -> Principal {
    Principal {
        subject: credential.to_string(),
        scopes: [Scope::Otp, Scope::Totp].into_iter().collect(),
        orgs: OrgAccess::Only([org.clone()].into()),
        credential: Some(credential),
    }
}

/// The methods of a session resumed without asking (RFC 8176): the password, and the second
/// factor the credential requires.
fn session_amr(credential: &Credential) -> Vec<String> {
    if credential.require2fa {
        vec!["pwd".to_owned(), "mfa".to_owned()]
    } else {
        vec!["pwd".to_owned()]
    }
}

fn choices(credential: &Credential) -> Vec<ContactChoice> {
    contact::contacts(credential)
        .into_iter()
        .map(|c| ContactChoice {
            email: c.channel == latchkey_notify::Channel::Email,
            masked: mask(&c.address),
            hint: c.address,
        })
        .collect()
}

/// `a•••@example.com`, `+34•••••••89`: enough to recognise, not to learn.
fn mask(address: &str) -> String {
    if let Some((local, domain)) = address.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}•••@{domain}");
    }
    let chars: Vec<char> = address.chars().collect();
    let keep_end = 2.min(chars.len());
    let keep_start = 3.min(chars.len() - keep_end);
    let hidden = chars.len() - keep_start - keep_end;
    let mut out: String = chars[..keep_start].iter().collect();
    out.extend(std::iter::repeat_n('•', hidden));
    out.extend(&chars[chars.len() - keep_end..]);
    out
}

fn consent_key(token: &str) -> String {
    latchkey_oauth::secret_key("ciba-consent", token)
}

/// Whether a login id or consent token from a form or link can be one this service made (a
/// short random string), before it goes anywhere near the store.
fn plausible_key(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64
}

fn tx_key(id: &str) -> String {
    format!("login:{id}")
}

/// `uri` with `params` added after `mark` (`?` query, `#` fragment), form-encoded.
fn with_params(uri: &str, mark: char, params: &[(&str, &str)]) -> String {
    let encoded = serde_urlencoded::to_string(params).unwrap_or_default();
    let joiner = if mark == '?' && uri.contains('?') {
        '&'
    } else {
        mark
    };
    format!("{uri}{joiner}{encoded}")
}

#[cfg(test)]
mod tests {
    use super::{mask, with_params};

    #[test]
    fn contacts_are_masked() {
        assert_eq!(mask("ana@example.com"), "a•••@example.com");
        assert_eq!(mask("+34600111222"), "+34•••••••22");
    }

    #[test]
    fn params_join_an_existing_query() {
        assert_eq!(
            with_params("https://a.example/cb?x=1", '?', &[("code", "a b")]),
            "https://a.example/cb?x=1&code=a+b"
        );
        assert_eq!(
            with_params("https://a.example/cb", '#', &[("state", "s")]),
            "https://a.example/cb#state=s"
        );
    }
}
